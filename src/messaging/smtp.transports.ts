import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Config } from '../config.ts';
import type { Project, SmtpSettings } from '../projects/projects.ts';
import type { Sealer } from '../support/sealing.ts';

/** One attempt's bound on connecting, greeting and each socket read (the outbox times the whole attempt too). */
const SEND_TIMEOUT_MS = 10_000;
/** Checking a project's SMTP server while an admin waits for PATCH /project/smtp. */
export const VERIFY_TIMEOUT_MS = 5_000;

/** The sealing context of a project's SMTP password: sealed for one project, it opens for no other. */
export const smtpPasswordContext = (projectId: string) => `smtp:${projectId}`;

/** The project's SMTP server settings with the password in the clear (only in memory, for a connection). */
export type SmtpServer = Pick<SmtpSettings, 'host' | 'port' | 'username' | 'secure'> & { password: string };

/**
 * nodemailer options for a project's server. As Appwrite, `secure` picks the encryption: `ssl` is TLS
 * from the first byte, `tls` requires STARTTLS, and '' sends without encryption (no opportunistic
 * STARTTLS, which would fail on servers offering it with a certificate they cannot prove).
 */
export function smtpOptions(server: SmtpServer, timeoutMs: number): SMTPTransport.Options {
  return {
    host: server.host,
    port: server.port,
    secure: server.secure === 'ssl',
    requireTLS: server.secure === 'tls',
    ignoreTLS: server.secure === '',
    auth: server.username ? { user: server.username, pass: server.password } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
}

/** Connects, greets and authenticates; throws what went wrong. */
export async function verifySmtpServer(server: SmtpServer): Promise<void> {
  const transport = nodemailer.createTransport(smtpOptions(server, VERIFY_TIMEOUT_MS));
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}

/**
 * The transport a project's mail goes out through: its own SMTP server when enabled, else the
 * server's TESSERA_SMTP_URL. Kept per project and rebuilt when the project's SMTP settings change
 * (each process sees the change when its cached project reloads on projects.[projectId].update).
 */
export class MailTransports {
  private readonly byProject = new Map<string, { fingerprint: string; transport: Transporter }>();
  private fallback: Transporter | null = null;

  constructor(
    private readonly config: Pick<Config, 'smtpUrl'>,
    private readonly sealer: Sealer,
  ) {}

  /** Null when the project has no way to send mail. */
  for(project: Project): Transporter | null {
    const smtp = project.settings.smtp;
    if (!smtp?.enabled) return this.serverTransport();
    const fingerprint = JSON.stringify(smtp);
    const hit = this.byProject.get(project.id);
    if (hit?.fingerprint === fingerprint) return hit.transport;
    hit?.transport.close();
    const password = smtp.passwordSealed ? this.sealer.open(smtp.passwordSealed, smtpPasswordContext(project.id)) : '';
    const transport = nodemailer.createTransport(smtpOptions({ ...smtp, password }, SEND_TIMEOUT_MS));
    this.byProject.set(project.id, { fingerprint, transport });
    return transport;
  }

  private serverTransport(): Transporter | null {
    if (!this.config.smtpUrl) return null;
    return (this.fallback ??= nodemailer.createTransport(this.config.smtpUrl, {
      connectionTimeout: SEND_TIMEOUT_MS,
      greetingTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
    } as object));
  }

  close(): void {
    this.fallback?.close();
    for (const { transport } of this.byProject.values()) transport.close();
    this.byProject.clear();
  }
}
