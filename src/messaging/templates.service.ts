import type { Db } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import { AppwriteError, argumentMissing } from '../errors/errors.ts';
import type { Project } from '../projects/projects.ts';
import { DEFAULT_LOCALE, type EmailTemplate, type EmailTemplateId } from './messaging.ts';
import { BUILT_IN_TEMPLATES, builtInMessage } from './templates.ts';
import { emailTemplateModel } from './messaging.models.ts';
import { countTemplates, findTemplate, findTemplateIn, listTemplates, upsertTemplate, type EmailTemplateRow } from './templates.repository.ts';

/** What PATCH /project/templates/email changes: an omitted field keeps its value, "" clears it. */
export interface TemplateChanges {
  subject?: string;
  message?: string;
  senderName?: string;
  senderEmail?: string;
  replyToEmail?: string;
  replyToName?: string;
}

/** A template as the mail channel uses it: customised for the locale (or `en`), else built in. */
export interface DeliveryTemplate {
  subject: string;
  message: string;
  /** Built-in templates only. */
  preview?: string;
  custom: boolean;
  senderName: string;
  senderEmail: string;
  replyToEmail: string;
  replyToName: string;
}

function toTemplate(row: EmailTemplateRow): EmailTemplate {
  return {
    templateId: row.template_id as EmailTemplateId,
    locale: row.locale,
    subject: row.subject,
    message: row.message,
    senderName: row.sender_name,
    senderEmail: row.sender_email,
    replyToEmail: row.reply_to_email,
    replyToName: row.reply_to_name,
  };
}

function builtIn(templateId: EmailTemplateId, locale: string): EmailTemplate {
  const t = BUILT_IN_TEMPLATES[templateId];
  return { templateId, locale, subject: t.subject, message: builtInMessage(templateId), senderName: '', senderEmail: '', replyToEmail: '', replyToName: '' };
}

/**
 * A project's email templates per locale. Only customised ones are stored; reading one that is not
 * gives the built-in template. Customising needs a way to send mail (the project's own SMTP server,
 * or the server's TESSERA_SMTP_URL).
 */
export class EmailTemplatesService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly bus: EventBus,
    private readonly mail: { canEmail(project: Project): boolean },
  ) {}

  async get(projectId: string, templateId: EmailTemplateId, locale = DEFAULT_LOCALE): Promise<EmailTemplate> {
    const row = await findTemplate(this.db, projectId, templateId, locale);
    return row ? toTemplate(row) : builtIn(templateId, locale);
  }

  async list(projectId: string, page: { limit: number; offset: number }, total: boolean): Promise<{ templates: EmailTemplate[]; total: number }> {
    const rows = await listTemplates(this.db, projectId, page);
    return { templates: rows.map(toTemplate), total: total ? await countTemplates(this.db, projectId) : 0 };
  }

  async update(project: Project, templateId: EmailTemplateId, locale: string, changes: TemplateChanges): Promise<EmailTemplate> {
    if (!this.mail.canEmail(project)) {
      throw new AppwriteError('general_argument_invalid', 'SMTP must be enabled on the project to configure custom email templates.');
    }
    const now = this.clock.now();
    return this.bus.transaction(async (trx, emit) => {
      const stored = await findTemplate(trx, project.id, templateId, locale);
      const merged = { ...(stored ? toTemplate(stored) : { subject: '', message: '', senderName: '', senderEmail: '', replyToEmail: '', replyToName: '' }), ...changes };
      if (!merged.subject) throw argumentMissing('subject');
      if (!merged.message) throw argumentMissing('message');
      const row: EmailTemplateRow = {
        project_id: project.id,
        template_id: templateId,
        locale,
        subject: merged.subject,
        message: merged.message,
        sender_name: merged.senderName,
        sender_email: merged.senderEmail,
        reply_to_email: merged.replyToEmail,
        reply_to_name: merged.replyToName,
        created_at: stored ? Number(stored.created_at) : now,
        updated_at: now,
      };
      await upsertTemplate(trx, row);
      const template = toTemplate(row);
      emit(event('templates.[templateId].update', project.id, { templateId }, emailTemplateModel(template)));
      return template;
    });
  }

  /** The template a delivery renders: customised for `locale`, else for `en`, else the built-in one. */
  async forDelivery(projectId: string, templateId: EmailTemplateId, locale: string, present: (name: string) => boolean): Promise<DeliveryTemplate> {
    const locales = locale === DEFAULT_LOCALE ? [locale] : [locale, DEFAULT_LOCALE];
    const row = await findTemplateIn(this.db, projectId, templateId, locales);
    if (row) return { ...toTemplate(row), custom: true };
    const t = BUILT_IN_TEMPLATES[templateId];
    return {
      subject: t.subject,
      message: builtInMessage(templateId, present),
      preview: t.preview,
      custom: false,
      senderName: '',
      senderEmail: '',
      replyToEmail: '',
      replyToName: '',
    };
  }
}
