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
