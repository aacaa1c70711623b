import type { Db } from '../db/schema.ts';
import { AppwriteError, argumentMissing } from '../errors/errors.ts';
import type { OutboxService } from '../events/outbox.service.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project, SmtpSettings } from '../projects/projects.ts';
import type { Sealer } from '../support/sealing.ts';
import { MAIL_CHANNEL, type SmtpTestMessage } from './messaging.ts';
import { smtpPasswordContext, verifySmtpServer, type SmtpServer } from './smtp.transports.ts';

/** PATCH /project/smtp: an omitted field keeps its value; "" clears it. */
export interface SmtpChanges {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  senderEmail?: string;
  senderName?: string;
  replyToEmail?: string;
  replyToName?: string;
  secure?: 'tls' | 'ssl' | '';
  enabled?: boolean;
}

const NO_SMTP: SmtpSettings = {
  enabled: false, senderName: '', senderEmail: '', replyToName: '', replyToEmail: '', host: '', port: 0, username: '', passwordSealed: '', secure: '',
};

/**
 * A project's own SMTP server (Appwrite's custom SMTP). Turning it on checks the connection first
 * (greeting and login, bounded by a timeout, outside any transaction); the password is sealed at rest
 * and never returned.
 */
export class SmtpService {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectsService,
    private readonly sealer: Sealer,
    private readonly outbox: Pick<OutboxService, 'enqueue' | 'kick'>,
    private readonly verify: (server: SmtpServer) => Promise<void> = verifySmtpServer,
  ) {}

  async update(projectId: string, changes: SmtpChanges): Promise<Project> {
    const project = await this.projects.get(projectId);
    if (!project) throw new AppwriteError('project_not_found');
    const current = { ...NO_SMTP, ...project.settings.smtp };
    const password = changes.password ?? (current.passwordSealed ? this.sealer.open(current.passwordSealed, smtpPasswordContext(projectId)) : '');
    const { password: _plain, ...rest } = changes;
    const next: SmtpSettings = { ...current, ...rest };
    if (next.enabled) {
      for (const key of ['host', 'port', 'senderEmail'] as const) if (!next[key]) throw argumentMissing(key);
    }
    // As Appwrite: a change that does not turn SMTP off is checked when it names a sender; a working
    // server is switched on unless the caller said otherwise, a failing one is refused only when on.
    if (changes.enabled !== false && next.senderEmail) {
      const failure = await this.check({ ...next, password });
      if (!failure && changes.enabled === undefined) next.enabled = true;
      if (failure && next.enabled) throw new AppwriteError('project_smtp_config_invalid', `Provided SMTP config is invalid: ${failure}`);
    }
    if (changes.password !== undefined) next.passwordSealed = changes.password ? this.sealer.seal(changes.password, smtpPasswordContext(projectId)) : '';
    return this.projects.updateSettings(projectId, (s) => ({ ...s, smtp: next }));
  }

  /** Why the server cannot be used, or null when it greets and accepts the login. */
  private async check(server: SmtpServer): Promise<string | null> {
    if (!server.host || !server.port) return 'host and port are required';
    try {
      await this.verify(server);
      return null;
    } catch (err) {
      return (err as Error).message || String(err);
    }
  }

  /** Queues a sample mail to each address, sent through the project's own SMTP server (400 unless it is on). */
  async sendTest(project: Project, emails: string[]): Promise<void> {
    const smtp = project.settings.smtp;
    if (!smtp?.enabled) throw new AppwriteError('general_argument_invalid', 'SMTP must be enabled on the project to send a test email.');
    if (!smtp.senderEmail) throw new AppwriteError('general_argument_invalid', 'SMTP sender email must be configured on the project to send a test email.');
    if (!smtp.host) throw new AppwriteError('general_argument_invalid', 'SMTP host must be configured on the project to send a test email.');
    if (!smtp.port) throw new AppwriteError('general_argument_invalid', 'SMTP port must be configured on the project to send a test email.');
    await this.db.transaction().execute(async (trx) => {
      for (const email of new Set(emails)) {
        const payload: SmtpTestMessage = { templateId: 'smtpTest', to: { email, name: '' } };
        await this.outbox.enqueue(trx, project.id, { channel: MAIL_CHANNEL, payload });
      }
    });
    this.outbox.kick();
  }
}
