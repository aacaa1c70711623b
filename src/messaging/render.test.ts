import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { htmlToText, renderEmail } from './render.ts';

describe('email rendering', () => {
  it('values are escaped in the HTML part and plain in the subject and text; unknown placeholders stay', () => {
    const r = renderEmail({ subject: 'Hi {{user}}<br>', message: '<p>{{b}}{{user}}{{/b}} {{unknown}}</p>' }, { user: '<img src=x onerror=alert(1)>' });
    assert.equal(r.subject, 'Hi <img src=x onerror=alert(1)>');
    assert.match(r.html, /<strong>&lt;img src=x onerror=alert\(1\)&gt;<\/strong> \{\{unknown\}\}/);
    assert.doesNotMatch(r.html, /<img/);
    assert.equal(r.text, '<img src=x onerror=alert(1)> {{unknown}}\n');
  });

  it('a subject has no line breaks (no header injection through a value)', () => {
    const r = renderEmail({ subject: '{{user}}', message: '' }, { user: 'Ann\r\nBcc: evil@example.com' });
    assert.equal(r.subject, 'Ann Bcc: evil@example.com');
  });

  it('HTML to text: paragraphs, line breaks, list items, links with their address, entities, and no style or script', () => {
    const text = htmlToText(
      '<style>p{color:red}</style><p>Hello&nbsp;<b>Ann</b> &amp; co,</p><p>Line 1<br>Line 2</p><ul><li>One</li><li>Two</li></ul>' +
        '<p><a href="https://x.test/?a=1&amp;b=2">Open</a>.</p><p><a href="https://x.test/y">https://x.test/y</a></p><script>alert(1)</script><!-- note -->',
    );
    assert.equal(text, 'Hello Ann & co,\n\nLine 1\nLine 2\n\n- One\n- Two\n\nOpen <https://x.test/?a=1&b=2>.\n\nhttps://x.test/y\n');
  });

  it('takes time in proportion to the template: a megabyte of unclosed tags is rendered at once', () => {
    const started = performance.now();
    htmlToText('<a '.repeat(350_000));
    htmlToText('<style>'.repeat(150_000));
    renderEmail({ subject: 's', message: '{{'.repeat(500_000) }, {});
    assert.ok(performance.now() - started < 2_000);
  });
});
