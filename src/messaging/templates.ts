import type { EmailTemplateId } from './messaging.ts';

/**
 * The built-in email templates, in English: Appwrite's subjects and sentences (its en.json), laid out
 * in Tessera's own HTML. A template's message is HTML with `{{placeholders}}` (Appwrite's names:
 * `user`, `project`, `redirect`, `otp`, `team`, `owner`, `phrase`, `agentClient`, …; `{{b}}…{{/b}}`
 * marks bold); a project may replace it per locale (`/project/templates/email`) and the same renderer
 * fills both. Other locales fall back to these English texts.
 */

/** One part of a built-in message; `when` names a variable that must be non-empty for the part to show. */
type Part =
  | { p: string; when?: string }
  | { button: string }
  | { link: true }
  | { code: true }
  | { list: string[] }
  | { small: string; when?: string };

interface BuiltIn {
  subject: string;
  /** The inbox's preview line. */
  preview: string;
  parts: Part[];
}

const SIGN_OFF: Part[] = [{ p: 'Thanks,<br>{{project}} team' }];
const CLIENT_INFO = (what: string, ignore: string): Part => ({
  p: `This ${what} was requested using {{b}}{{agentClient}}{{/b}} on {{b}}{{agentDevice}}{{/b}} {{b}}{{agentOs}}{{/b}}. ${ignore}`,
  when: 'agentClient',
});
const PHRASE: Part = {
  small: 'Security phrase for this email is {{b}}{{phrase}}{{/b}}. You can trust this email if this phrase matches the phrase shown during sign in.',
  when: 'phrase',
};

export const BUILT_IN_TEMPLATES: Record<EmailTemplateId, BuiltIn> = {
  verification: {
    subject: 'Account Verification for {{project}}',
    preview: 'Verify your email to activate your {{project}} account.',
    parts: [
      { p: 'Hello {{user}},' },
      { p: 'Follow this link to verify your email address to your {{b}}{{project}}{{/b}} account.' },
      { button: 'Confirm email address' },
      { p: 'If you didn’t ask to verify this address, you can ignore this message.' },
      ...SIGN_OFF,
    ],
  },
  magicSession: {
    subject: '{{project}} Login',
    preview: 'Sign in to {{project}} with your secure link. Expires in 1 hour.',
    parts: [
      { p: 'Hello {{user}},' },
      { p: 'Click the button below to securely sign in to your {{b}}{{project}}{{/b}} account. This link will expire in 1 hour.' },
      { button: 'Sign in to {{project}}' },
      { p: 'If you are unable to sign in using the button above, please visit the following link:' },
      { link: true },
      CLIENT_INFO('sign in', "If you didn't request the sign in, you can safely ignore this email."),
      ...SIGN_OFF,
      PHRASE,
    ],
  },
  recovery: {
    subject: 'Password Reset for {{project}}',
    preview: 'Reset your {{project}} password using the link.',
    parts: [
      { p: 'Hello {{user}},' },
      { p: 'Follow this link to reset your {{b}}{{project}}{{/b}} password.' },
      { button: 'Reset password' },
      { p: "If you didn't ask to reset your password, you can ignore this message." },
      ...SIGN_OFF,
    ],
  },
  invitation: {
    subject: 'Invitation to {{team}} Team at {{project}}',
    preview: '{{owner}} invited you to join {{team}} at {{project}}',
    parts: [
      { p: 'Hello {{user}},' },
      { p: 'This mail was sent to you because {{b}}{{owner}}{{/b}} invited you to become a member of the {{b}}{{team}}{{/b}} team at {{b}}{{project}}{{/b}}.' },
      { button: 'Accept invite to {{team}}' },
      { p: 'If you are not interested, you can ignore this message.' },
      ...SIGN_OFF,
    ],
  },
  mfaChallenge: {
    subject: 'Verification Code for {{project}}',
    preview: 'Use code {{otp}} for two-step verification in {{project}}. Expires in 15 minutes.',
    parts: [
      { p: 'Hello {{user}},' },
      { p: 'Enter the following code to confirm your two-step verification in {{b}}{{project}}{{/b}}. This code will expire in 15 minutes.' },
      { code: true },
      CLIENT_INFO('verification code', "If you didn't request the verification code, you can safely ignore this email."),
      ...SIGN_OFF,
    ],
  },
  sessionAlert: {
    subject: 'Security alert: new session on your {{project}} account',
    preview: 'New login detected on {{project}} at {{time}} UTC.',
    parts: [
      { p: 'Hello {{user}},' },
      { p: 'A new session has been created on your {{b}}{{project}}{{/b}} account, {{b}}on {{date}}, {{year}} at {{time}} UTC{{/b}}.<br>Here are the details of the new session:' },
      { list: ['Device: {{b}}{{device}}{{/b}}', 'IP Address: {{b}}{{ipAddress}}{{/b}}', 'Country: {{b}}{{country}}{{/b}}'] },
      { p: "If this was you, there's nothing more you need to do.<br>If you didn't initiate this session or suspect any unauthorized activity, please secure your account." },
      ...SIGN_OFF,
    ],
  },
  otpSession: {
    subject: 'OTP for {{project}} Login',
    preview: 'Use OTP {{otp}} to sign in to {{project}}. Expires in 15 minutes.',
    parts: [
      { p: 'Hello {{user}},' },
      { p: 'Enter the following verification code when prompted to securely sign in to your {{b}}{{project}}{{/b}} account. This code will expire in 15 minutes.' },
      { code: true },
      CLIENT_INFO('sign in', "If you didn't request the sign in, you can safely ignore this email."),
      ...SIGN_OFF,
      PHRASE,
    ],
  },
};

const P_STYLE = 'margin:0 0 16px;';
const BUTTON_STYLE =
  'display:inline-block;padding:12px 20px;border-radius:6px;background:#1f2937;color:#ffffff;text-decoration:none;font-weight:600;';
const CODE_STYLE = 'margin:0 0 16px;font-size:28px;letter-spacing:8px;font-weight:700;font-family:ui-monospace,Menlo,Consolas,monospace;';
const SMALL_STYLE = 'margin:16px 0 0;padding-top:16px;border-top:1px solid #e5e7eb;font-size:13px;color:#6b7280;';

function partHtml(part: Part): string {
  if ('p' in part) return `<p style="${P_STYLE}">${part.p}</p>`;
  if ('button' in part) return `<p style="${P_STYLE}"><a href="{{redirect}}" target="_blank" rel="noopener" style="${BUTTON_STYLE}">${part.button}</a></p>`;
  if ('link' in part) return `<p style="${P_STYLE}font-size:13px;"><a href="{{redirect}}" target="_blank" rel="noopener">{{redirect}}</a></p>`;
  if ('code' in part) return `<p style="${CODE_STYLE}">{{otp}}</p>`;
  if ('list' in part) return `<ul style="${P_STYLE}">${part.list.map((i) => `<li>${i}</li>`).join('')}</ul>`;
  return `<p style="${SMALL_STYLE}">${part.small}</p>`;
}

/**
 * A built-in template's message as HTML with placeholders. `present` names the variables a delivery
 * has: parts that depend on an absent one (the security phrase, the client details) are left out;
 * without it (what GET /project/templates/email shows) every part is there.
 */
export function builtInMessage(templateId: EmailTemplateId, present?: (name: string) => boolean): string {
  const parts = BUILT_IN_TEMPLATES[templateId].parts.filter((part) => !('when' in part) || !part.when || !present || present(part.when));
  return parts.map(partHtml).join('\n');
}
