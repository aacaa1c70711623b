import type { Deliver } from '../events/outbox.ts';
import { PermanentDeliveryError } from '../events/outbox.ts';
import type { Project } from '../projects/projects.ts';
import type { SmsMessage, SmsTemplateId } from './messaging.ts';
import type { SmsProvider } from './sms.providers.ts';

/**
 * The outbox channel that sends queued SMS through the configured provider (sms.providers.ts),
 * retried like any outbox message.
 */
export function smsChannel(provider: SmsProvider | null, projects: { get(id: string): Promise<Project | null> }): Deliver {
  return async (m) => {
    if (!provider) throw new Error('no SMS provider is configured');
    const msg = m.payload as SmsMessage;
    const project = await projects.get(m.projectId);
    if (!project) throw new PermanentDeliveryError('the project no longer exists');
    await provider.send({ to: msg.to, text: renderSms(msg, project.name) }, m);
  };
}

/** Short texts, the code first (as phones show it in notifications and offer it for autofill). */
const SMS_TEXTS: Record<SmsTemplateId, string> = {
  login: '{{otp}} is your {{project}} sign-in code.',
  verification: '{{otp}} is your {{project}} verification code.',
  mfaChallenge: '{{otp}} is your {{project}} two-step verification code.',
  invitation: 'You are invited to join {{team}} at {{project}}: {{redirect}}',
};

export function renderSms(msg: SmsMessage, projectName: string): string {
  const values: Record<string, string> = { project: projectName, team: '', redirect: '', ...msg.variables };
  values.otp ||= msg.variables.secret ?? '';
  return SMS_TEXTS[msg.templateId].replace(/\{\{(\w{1,32})\}\}/g, (_, name: string) => values[name] ?? '').replace(/\s+/g, ' ').trim();
}
