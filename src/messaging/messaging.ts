/**
 * Mail and SMS that flows send. A flow queues a message (template id + the values it fills in) in the
 * outbox, inside the transaction that made the secret; rendering and sending happen at delivery, so a
 * template change or an SMTP outage never fails the request that caused the message.
 */

/** Appwrite's email templates (`/project/templates/email/{templateId}`). */
export const EMAIL_TEMPLATES = ['verification', 'magicSession', 'recovery', 'invitation', 'mfaChallenge', 'sessionAlert', 'otpSession'] as const;
export type EmailTemplateId = (typeof EMAIL_TEMPLATES)[number];

/** Appwrite's SMS templates. */
export const SMS_TEMPLATES = ['verification', 'login', 'invitation', 'mfaChallenge'] as const;
export type SmsTemplateId = (typeof SMS_TEMPLATES)[number];

export const MAIL_CHANNEL = 'mail';
export const SMS_CHANNEL = 'sms';

/**
 * An email as queued. `variables` are the template's placeholders (Appwrite's names: `user`, `project`,
 * `redirect` for a link, `otp` for a code, `team`, `phrase`, …); values are plain text, escaped where
 * the HTML part uses them.
 */
export interface EmailMessage {
  templateId: EmailTemplateId;
  /** The caller's locale (X-Appwrite-Locale), `en` by default. */
  locale: string;
  to: { email: string; name: string };
  variables: Record<string, string>;
}

export interface SmsMessage {
  templateId: SmsTemplateId;
  locale: string;
  /** E.164. */
  to: string;
  variables: Record<string, string>;
}

/** The test mail of `POST /project/smtp/tests`: sent through the project's own SMTP server. */
export interface SmtpTestMessage {
  templateId: 'smtpTest';
  to: { email: string; name: string };
}

/** What the `mail` channel delivers. */
export type MailPayload = EmailMessage | SmtpTestMessage;

/** Appwrite's locale codes (a template's `locale`); `en` is the fallback and the built-in templates' language. */
export const LOCALES = [
  'af', 'ar-ae', 'ar-bh', 'ar-dz', 'ar-eg', 'ar-iq', 'ar-jo', 'ar-kw', 'ar-lb', 'ar-ly', 'ar-ma', 'ar-om', 'ar-qa', 'ar-sa',
  'ar-sy', 'ar-tn', 'ar-ye', 'as', 'az', 'be', 'bg', 'bh', 'bn', 'bs', 'ca', 'cs', 'cy', 'da', 'de', 'de-at', 'de-ch', 'de-li',
  'de-lu', 'el', 'en', 'en-au', 'en-bz', 'en-ca', 'en-gb', 'en-ie', 'en-jm', 'en-nz', 'en-tt', 'en-us', 'en-za', 'eo', 'es',
  'es-ar', 'es-bo', 'es-cl', 'es-co', 'es-cr', 'es-do', 'es-ec', 'es-gt', 'es-hn', 'es-mx', 'es-ni', 'es-pa', 'es-pe', 'es-pr',
  'es-py', 'es-sv', 'es-uy', 'es-ve', 'et', 'eu', 'fa', 'fi', 'fo', 'fr', 'fr-be', 'fr-ca', 'fr-ch', 'fr-lu', 'ga', 'gd', 'he',
  'hi', 'hr', 'hu', 'id', 'is', 'it', 'it-ch', 'ja', 'ji', 'ko', 'ku', 'lt', 'lv', 'mk', 'ml', 'ms', 'mt', 'nb', 'ne', 'nl',
  'nl-be', 'nn', 'no', 'pa', 'pl', 'pt', 'pt-br', 'rm', 'ro', 'ro-md', 'ru', 'ru-md', 'sb', 'sk', 'sl', 'sq', 'sr', 'sv', 'sv-fi',
  'th', 'tn', 'tr', 'ts', 'ua', 'ur', 've', 'vi', 'xh', 'zh-cn', 'zh-hk', 'zh-sg', 'zh-tw', 'zu',
] as const;
export const DEFAULT_LOCALE = 'en';

/** A project's email template for one locale: its customised row, or the built-in one. */
export interface EmailTemplate {
  templateId: EmailTemplateId;
  locale: string;
  subject: string;
  message: string;
  senderName: string;
  senderEmail: string;
  replyToEmail: string;
  replyToName: string;
}

/** A mock phone number: signs in with `otp`, nothing is sent. */
export interface MockPhone {
  phone: string;
  otp: string;
  createdAt: number;
  updatedAt: number;
}

/** Appwrite's APP_LIMIT_COUNT: at most this many mock numbers per project. */
export const MOCK_PHONES_MAX = 5000;
