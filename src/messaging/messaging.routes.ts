import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { argumentInvalid } from '../errors/errors.ts';
import { parseQueries, wantsTotal } from '../http/queries.ts';
import { P, T } from '../schemas/params.ts';
import { listModel, projectModel } from '../schemas/models.ts';
import { isValidPhone } from '../support/validators.ts';
import { DEFAULT_LOCALE, EMAIL_TEMPLATES, LOCALES, MOCK_PHONES_MAX, type EmailTemplateId } from './messaging.ts';
import { emailTemplateModel, mockNumberModel } from './messaging.models.ts';
import type { SmtpChanges } from './smtp.service.ts';
import type { TemplateChanges } from './templates.service.ts';

const emailOrEmpty = () => T.Union([T.Literal(''), P.email()], { description: 'Value must be a valid email address' });
const Hostname = T.String({ maxLength: 253, pattern: '^[^/:\\s]*$', description: 'Value must be a valid hostname without path, port and protocol.' });
const TemplateId = T.Union(EMAIL_TEMPLATES.map((id) => T.Literal(id)), { description: `Value must be one of (${EMAIL_TEMPLATES.join(', ')})` });
const Locale = T.String({ pattern: `^(${LOCALES.join('|')})?$`, description: `Value must be one of (${LOCALES.join(', ')})` });
const Otp = T.String({ pattern: '^[0-9]{6}$', description: 'Value must be a valid string and at least 6 chars and no longer than 6 chars' });
const ListParams = T.Object({ queries: P.opt(P.array(T.String(), 100)), total: P.opt(P.bool()) });
type ListInput = { queries?: string[]; total?: boolean };

const SmtpParams = T.Object({
  host: P.opt(Hostname),
  port: P.opt(T.Integer({ minimum: 0, maximum: 65535, description: 'Value must be a valid integer' })),
  username: P.opt(P.text(256)),
  password: P.opt(P.text(256)),
  senderEmail: P.opt(emailOrEmpty()),
  senderName: P.opt(P.text(256)),
  replyToEmail: P.opt(emailOrEmpty()),
  replyToName: P.opt(P.text(256)),
  secure: P.opt(T.Union([T.Literal('tls'), T.Literal('ssl'), T.Literal('')], { description: 'Value must be one of (tls, ssl)' })),
  enabled: P.opt(P.bool()),
});

const TemplateParams = T.Object({
  templateId: TemplateId,
  locale: P.opt(Locale),
  subject: P.opt(P.text(255)),
  message: P.opt(P.text(10_485_760)),
  senderName: P.opt(P.text(255)),
  senderEmail: P.opt(emailOrEmpty()),
  replyToEmail: P.opt(emailOrEmpty()),
  replyToName: P.opt(P.text(255)),
});

/** These lists take only `limit` and `offset` queries (as Appwrite's); without a limit they return everything. */
function pageOf(queries: string[] | undefined) {
  for (const q of queries ?? []) {
    let method: unknown;
    try {
      method = (JSON.parse(q) as { method?: unknown })?.method;
    } catch {
      method = undefined;
    }
    if (typeof method === 'string' && method !== 'limit' && method !== 'offset') throw argumentInvalid('queries', `Invalid query method: ${method}`);
  }
  const { limit, offset } = parseQueries(queries, {}, MOCK_PHONES_MAX);
  return { limit, offset };
}

/** A phone number in a path: the SDK sends it URL-encoded; spaces, dashes, dots and brackets are dropped as Appwrite normalises. */
function phoneInPath(raw: string): string {
  const phone = raw.replace(/[\s().-]/g, '');
  if (!isValidPhone(phone)) throw argumentInvalid('number', "Phone number must start with a '+' can have a maximum of fifteen digits.");
  return phone;
}

type Deps = Pick<Container, 'projects' | 'smtp' | 'emailTemplates' | 'mockPhones'>;

/** /project/smtp, /project/templates/email and /project/mock-phones (API keys; the key's project is the project). */
export function messagingRoutes(c: Deps) {
  return async (app: FastifyInstance) => {
    smtpRoutes(app, c);
    templateRoutes(app, c);
    mockPhoneRoutes(app, c);
  };
}

function smtpRoutes(app: FastifyInstance, c: Deps): void {
  route<{}, SmtpChanges>(app, {
    method: 'PATCH',
    url: '/project/smtp',
    meta: { scope: 'project.write' },
    params: SmtpParams,
    handler: async (req, _reply, input) => projectModel(await c.smtp.update(projectIdOf(req), input)),
  });

  route<{}, { emails: string[] }>(app, {
    method: 'POST',
    url: '/project/smtp/tests',
    meta: { scope: 'project.write' },
    params: T.Object({ emails: P.array(P.email(), 10) }),
    handler: async (req, reply, input) => {
      await c.smtp.sendTest((await c.projects.get(projectIdOf(req)))!, input.emails);
      return reply.code(204).send();
    },
  });
}

function templateRoutes(app: FastifyInstance, c: Deps): void {
  route<{}, ListInput>(app, {
    method: 'GET',
    url: '/project/templates/email',
    meta: { scope: 'templates.read' },
    params: ListParams,
    handler: async (req, _reply, input) => {
      const { templates, total } = await c.emailTemplates.list(projectIdOf(req), pageOf(input.queries), wantsTotal(input.total));
      return listModel('templates', total, templates.map(emailTemplateModel));
    },
  });

  route<{ templateId: EmailTemplateId }, { locale?: string }>(app, {
    method: 'GET',
    url: '/project/templates/email/:templateId',
    meta: { scope: 'templates.read' },
    path: T.Object({ templateId: TemplateId }),
    params: T.Object({ locale: P.opt(Locale) }),
    handler: async (req, _reply, input) =>
      emailTemplateModel(await c.emailTemplates.get(projectIdOf(req), req.params.templateId, input.locale || DEFAULT_LOCALE)),
  });

  route<{}, TemplateChanges & { templateId: EmailTemplateId; locale?: string }>(app, {
    method: 'PATCH',
    url: '/project/templates/email',
    meta: { scope: 'templates.write' },
    params: TemplateParams,
    handler: async (req, _reply, input) => {
      const { templateId, locale, ...changes } = input;
      const project = (await c.projects.get(projectIdOf(req)))!;
      return emailTemplateModel(await c.emailTemplates.update(project, templateId, locale || DEFAULT_LOCALE, changes));
    },
  });
}

function mockPhoneRoutes(app: FastifyInstance, c: Deps): void {

  route<{}, ListInput>(app, {
    method: 'GET',
    url: '/project/mock-phones',
    meta: { scope: 'mocks.read' },
    params: ListParams,
    handler: async (req, _reply, input) => {
      const { mockNumbers, total } = await c.mockPhones.list(projectIdOf(req), pageOf(input.queries), wantsTotal(input.total));
      return listModel('mockNumbers', total, mockNumbers.map(mockNumberModel));
    },
  });

  route<{}, { number: string; otp: string }>(app, {
    method: 'POST',
    url: '/project/mock-phones',
    meta: { scope: 'mocks.write' },
    params: T.Object({ number: P.phone(), otp: Otp }),
    handler: async (req, reply, input) => reply.code(201).send(mockNumberModel(await c.mockPhones.create(projectIdOf(req), input.number, input.otp))),
  });

  route<{ number: string }>(app, {
    method: 'GET',
    url: '/project/mock-phones/:number',
    meta: { scope: 'mocks.read' },
    handler: async (req) => mockNumberModel(await c.mockPhones.get(projectIdOf(req), phoneInPath(req.params.number))),
  });

  route<{ number: string }, { otp: string }>(app, {
    method: 'PUT',
    url: '/project/mock-phones/:number',
    meta: { scope: 'mocks.write' },
    params: T.Object({ otp: Otp }),
    handler: async (req, _reply, input) => mockNumberModel(await c.mockPhones.update(projectIdOf(req), phoneInPath(req.params.number), input.otp)),
  });

  route<{ number: string }>(app, {
    method: 'DELETE',
    url: '/project/mock-phones/:number',
    meta: { scope: 'mocks.write' },
    handler: async (req, reply) => {
      await c.mockPhones.delete(projectIdOf(req), phoneInPath(req.params.number));
      return reply.code(204).send();
    },
  });
}
