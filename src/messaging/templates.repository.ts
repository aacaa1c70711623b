import type { Selectable } from 'kysely';
import type { EmailTemplatesTable, Executor } from '../db/schema.ts';

export type EmailTemplateRow = Selectable<EmailTemplatesTable>;

export async function findTemplate(db: Executor, projectId: string, templateId: string, locale: string): Promise<EmailTemplateRow | undefined> {
  return db
    .selectFrom('email_templates')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('template_id', '=', templateId)
    .where('locale', '=', locale)
    .executeTakeFirst();
}

/** The customised template for the first of `locales` that has one. */
export async function findTemplateIn(db: Executor, projectId: string, templateId: string, locales: string[]): Promise<EmailTemplateRow | undefined> {
  const rows = await db
    .selectFrom('email_templates')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('template_id', '=', templateId)
    .where('locale', 'in', locales)
    .execute();
  for (const locale of locales) {
    const row = rows.find((r) => r.locale === locale);
    if (row) return row;
  }
  return undefined;
}

export async function upsertTemplate(db: Executor, row: EmailTemplateRow): Promise<void> {
  const { project_id, template_id, locale, created_at, ...changes } = row;
  await db
    .insertInto('email_templates')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'template_id', 'locale']).doUpdateSet(changes))
    .execute();
}

export async function listTemplates(db: Executor, projectId: string, page: { limit: number; offset: number }): Promise<EmailTemplateRow[]> {
  return db
    .selectFrom('email_templates')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('created_at')
    .orderBy('template_id')
    .orderBy('locale')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

export async function countTemplates(db: Executor, projectId: string): Promise<number> {
  const row = await db.selectFrom('email_templates').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
  return Number(row.n);
}
