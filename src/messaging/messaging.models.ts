import { formatDate } from '../support/clock.ts';
import type { EmailTemplate, MockPhone } from './messaging.ts';

/** Response models of /project/mock-phones and /project/templates/email (Appwrite's field order). */

export function mockNumberModel(m: MockPhone) {
  return { number: m.phone, otp: m.otp, $createdAt: formatDate(m.createdAt), $updatedAt: formatDate(m.updatedAt) };
}

export function emailTemplateModel(t: EmailTemplate) {
  return {
    templateId: t.templateId,
    locale: t.locale,
    message: t.message,
    senderName: t.senderName,
    senderEmail: t.senderEmail,
    replyToEmail: t.replyToEmail,
    replyToName: t.replyToName,
    subject: t.subject,
  };
}
