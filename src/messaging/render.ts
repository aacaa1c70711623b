/**
 * Fills an email template: `{{name}}` placeholders take the message's values (HTML-escaped in the
 * body, plain in the subject), `{{b}}…{{/b}}` become bold, and the body is set in Tessera's layout.
 * The plain-text part is derived from the filled body, links written out, so a reader without HTML
 * (and a test) finds every link and code in it. Unknown placeholders are left as they are.
 */

export interface EmailTemplateText {
  subject: string;
  /** HTML with placeholders. */
  message: string;
  /** The inbox's preview line (built-in templates only). */
  preview?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const PLACEHOLDER = /\{\{([A-Za-z0-9_/]{1,64})\}\}/g;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function fill(template: string, variables: Record<string, string>, html: boolean): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'b') return html ? '<strong>' : '';
    if (name === '/b') return html ? '</strong>' : '';
    if (!Object.hasOwn(variables, name)) return whole;
    return html ? escapeHtml(variables[name]) : variables[name];
  });
}

export function renderEmail(template: EmailTemplateText, variables: Record<string, string>): RenderedEmail {
  // A subject is one plain header line: the template's tags are dropped (as Appwrite strips them), the
  // values kept as they are (a name like "<Ann>" stays), and no line breaks.
  const subject = fill(template.subject.replace(/<[^<>]{0,200}>/g, ''), variables, false).replace(/[\r\n]+/g, ' ').trim();
  const body = fill(template.message, variables, true);
  const preview = template.preview ? fill(template.preview, variables, false) : '';
  return { subject, html: layout(body, subject, preview, variables.direction === 'rtl' ? 'rtl' : 'ltr'), text: htmlToText(body) };
}

function layout(body: string, subject: string, preview: string, direction: 'ltr' | 'rtl'): string {
  const font = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
  return [
    '<!doctype html>',
    `<html dir="${direction}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f3f4f6;">',
    preview ? `<div style="display:none;max-height:0;overflow:hidden;">${escapeHtml(preview)}</div>` : '',
    '<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0"><tr><td align="center" style="padding:32px 16px;">',
    `<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" style="max-width:560px;background:#ffffff;border-radius:8px;font-family:${font};font-size:15px;line-height:1.5;color:#111827;">`,
    `<tr><td style="padding:32px;">\n${body}\n</td></tr></table>`,
    '</td></tr></table></body></html>',
  ].join('\n');
}

const BLOCK_TAGS = new Set(['p', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'tr', 'table', 'ul', 'ol', 'hr', 'blockquote', 'section', 'header', 'footer']);
const SKIPPED_TAGS = new Set(['style', 'script', 'head', 'title']);

/**
 * HTML → readable text in one pass over the string (linear: an unclosed tag ends the scan), so a
 * template of any size costs time proportional to its length.
 */
export function htmlToText(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  const anchors: { href: string; start: number }[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out += textOf(html.slice(i));
      break;
    }
    out += textOf(html.slice(i, lt));
    if (lower.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt);
    if (gt < 0) break;
    const tag = /^<(\/?)([a-z][a-z0-9]*)/.exec(lower.slice(lt, Math.min(gt + 1, lt + 20)));
    i = gt + 1;
    if (!tag) continue;
    const [, closing, name] = tag;
    if (!closing && SKIPPED_TAGS.has(name)) {
      const end = lower.indexOf(`</${name}`, i);
      const endGt = end < 0 ? -1 : html.indexOf('>', end);
      i = endGt < 0 ? html.length : endGt + 1;
    } else if (name === 'br') out += '\n';
    else if (name === 'li' && !closing) out += '\n- ';
    else if (BLOCK_TAGS.has(name)) out += '\n\n';
    else if (name === 'a' && !closing) anchors.push({ href: hrefOf(html.slice(lt, gt + 1)), start: out.length });
    else if (name === 'a' && closing) out += anchorSuffix(anchors.pop(), out);
  }
  return tidy(out);
}

function hrefOf(tag: string): string {
  const m = /\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3] ?? '').trim() : '';
}

/**
 * A link's address after its words, in angle brackets ("Reset password <https://…>.") so that
 * punctuation after the link is not read as part of it; nothing when the words are the address.
 */
function anchorSuffix(anchor: { href: string; start: number } | undefined, out: string): string {
  if (!anchor || !/^(https?:|mailto:)/i.test(anchor.href)) return '';
  const words = out.slice(anchor.start).trim();
  if (words === anchor.href) return '';
  return words ? ` <${anchor.href}>` : anchor.href;
}

function textOf(chunk: string): string {
  return decodeEntities(chunk.replace(/\s+/g, ' '));
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–', hellip: '…', rsquo: '’', lsquo: '‘', copy: '©' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole, e: string) => {
    if (e[0] !== '#') return NAMED[e.toLowerCase()] ?? whole;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim() + '\n';
}
