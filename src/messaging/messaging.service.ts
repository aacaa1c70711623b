import type { Config } from '../config.ts';
import type { Executor } from '../db/schema.ts';
import { AppwriteError } from '../errors/errors.ts';
import type { OutboxService } from '../events/outbox.service.ts';
import type { Project } from '../projects/projects.ts';
import type { MockPhonesService } from './mock-phones.service.ts';
import { MAIL_CHANNEL, SMS_CHANNEL, type EmailMessage, type SmsMessage } from './messaging.ts';

/**
 * What flows call to send mail and SMS. Check first (`requireEmail`, before any write: a project that
 * cannot send stores nothing), then queue inside the transaction that created the secret. Messages
 * carry links and codes, so their outbox rows are sealed and purged after delivery.
 *
 *   this.messaging.requireEmail(project);
 *   await this.bus.transaction(async (trx, emit) => {
 *     const token = await insertToken(trx, …);
 *     await this.messaging.queueEmail(trx, project, { templateId: 'recovery', locale, to, variables: { redirect: url } });
 *   });
 */
export class MessagingService {
  constructor(
    private readonly config: Pick<Config, 'smtpUrl' | 'sms'>,
    private readonly outbox: Pick<OutboxService, 'enqueue' | 'kick'>,
    private readonly mockPhones: Pick<MockPhonesService, 'otpFor'>,
  ) {}

  /** A project sends mail through its own SMTP server when enabled, else through TESSERA_SMTP_URL. */
  canEmail(project: Project): boolean {
    return !!project.settings.smtp?.enabled || !!this.config.smtpUrl;
  }

  /** 503 general_smtp_disabled when the project has no way to send mail. */
  requireEmail(project: Project): void {
    if (!this.canEmail(project)) throw new AppwriteError('general_smtp_disabled');
  }

  /** A project's mock number (`/project/mock-phones`) answers with its fixed code and sends nothing; null for other numbers. */
  async mockOtp(projectId: string, phone: string): Promise<string | null> {
    return this.mockPhones.otpFor(projectId, phone);
  }

  /** 503 general_phone_disabled when no SMS provider is configured (check mockOtp first: mock numbers need none). */
  requireSms(): void {
    if (!this.config.sms) throw new AppwriteError('general_phone_disabled');
  }

  async queueEmail(trx: Executor, project: Project, msg: EmailMessage): Promise<string> {
    return this.outbox.enqueue(trx, project.id, { channel: MAIL_CHANNEL, payload: msg, secret: true });
  }

  async queueSms(trx: Executor, project: Project, msg: SmsMessage): Promise<string> {
    return this.outbox.enqueue(trx, project.id, { channel: SMS_CHANNEL, payload: msg, secret: true });
  }

  /** After the queuing transaction committed: deliver now rather than at the next poll. */
  sendSoon(): void {
    this.outbox.kick();
  }
}
