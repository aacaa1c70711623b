import type { FastifyInstance } from 'fastify';
import { actorOf } from '../http/actor.ts';
import type { EventActor } from '../events/events.ts';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { assoc, checkPrefs, P, T } from '../schemas/params.ts';
import { listModel, prefsObject, userModel } from '../schemas/models.ts';
import { parseQueries, wantsTotal, type AttributeMap } from '../http/queries.ts';
import { importRoutes } from './users.import.routes.ts';
import type { UserRow } from './users.ts';

const USER_ATTRIBUTES: AttributeMap = {
  name: { column: 'name', type: 'string' },
  email: { column: 'email', type: 'string' },
  phone: { column: 'phone', type: 'string' },
  status: { column: 'status', type: 'bool' },
  passwordUpdate: { column: 'password_update', type: 'date' },
  registration: { column: 'registration', type: 'date' },
  emailVerification: { column: 'email_verification', type: 'bool' },
  phoneVerification: { column: 'phone_verification', type: 'bool' },
  labels: { column: 'labels', type: 'array' },
  impersonator: { column: 'impersonator', type: 'bool' },
  accessedAt: { column: 'accessed_at', type: 'date' },
};

const UserPath = T.Object({ userId: P.uid() });
// Appwrite: Text(36) with a digits + ASCII letters allow-list (Labels/Update.php).
const LABEL_CHARS = [...'0123456789', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ', ...'abcdefghijklmnopqrstuvwxyz'].join(', ');
const Label = T.String({
  pattern: '^[A-Za-z0-9]{1,36}$',
  description: `Value must be a valid string and at least 1 chars and no longer than 36 chars and only consist of '${LABEL_CHARS}' chars`,
});

/** The User model of a user just read or written, with its targets as stored now. */
const userWithTargets = (c: Pick<Container, 'targets'>) => async (u: UserRow) => userModel(u, await c.targets.ofUser(u.project_id, u.id));

export function userRoutes(c: Pick<Container, 'targets' | 'users'>) {
  return async (app: FastifyInstance) => {
    await importRoutes(c)(app);
    const user = userWithTargets(c);

    route<{}, { queries?: string[]; search?: string; total?: boolean }>(app, {
      method: 'GET',
      url: '/users',
      meta: { scope: 'users.read' },
      params: T.Object({ queries: P.opt(P.array(T.String(), 100)), search: P.opt(P.text(256, 1)), total: P.opt(P.bool()) }),
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, USER_ATTRIBUTES);
        const { rows, total } = await c.users.list(req.caller.project.id, query, input.search, wantsTotal(input.total));
        const targets = await c.targets.ofUsers(req.caller.project.id, rows.map((u) => u.id));
        return listModel('users', total, rows.map((u) => userModel(u, targets.get(u.id) ?? [])));
      },
    });

    route<{}, { userId: string; email?: string; phone?: string; password?: string; name?: string }>(app, {
      method: 'POST',
      url: '/users',
      meta: { scope: 'users.write' },
      params: T.Object({
        userId: P.customId(),
        email: P.opt(P.email()),
        phone: P.opt(P.phone()),
        password: P.opt(P.password()),
        // Text(128): a name that is sent must not be empty (only updateName allows "").
        name: P.opt(P.text(128, 1)),
      }),
      handler: async (req, reply, input) => reply.code(201).send(await user(await c.users.create(req.caller.project, { ...input, actor: actorOf(req) }))),
    });

    route<{ userId: string }>(app, {
      method: 'GET',
      url: '/users/:userId',
      meta: { scope: 'users.read' },
      path: UserPath,
      handler: async (req) => user(await c.users.get(req.caller.project.id, req.params.userId)),
    });

    route<{ userId: string }>(app, {
      method: 'DELETE',
      url: '/users/:userId',
      meta: { scope: 'users.write' },
      path: UserPath,
      handler: async (req, reply) => {
        await c.users.delete(req.caller.project.id, req.params.userId, actorOf(req));
        return reply.code(204).send();
      },
    });


    route<{ userId: string }, { name: string }>(app, {
      method: 'PATCH',
      url: '/users/:userId/name',
      meta: { scope: 'users.write' },
      path: UserPath,
      params: T.Object({ name: P.text(128) }),
      handler: async (req, _r, input) => user(await c.users.updateName(projectIdOf(req), req.params.userId, input.name, actorOf(req))),
    });

    route<{ userId: string }, { email: string }>(app, {
      method: 'PATCH',
      url: '/users/:userId/email',
      meta: { scope: 'users.write' },
      path: UserPath,
      params: T.Object({ email: T.Union([P.email(), T.Literal('')], { description: 'Value must be a valid email address' }) }),
      handler: async (req, _r, input) => user(await c.users.updateEmail(projectIdOf(req), req.params.userId, input.email, actorOf(req))),
    });

    route<{ userId: string }, { number: string }>(app, {
      method: 'PATCH',
      url: '/users/:userId/phone',
      meta: { scope: 'users.write' },
      path: UserPath,
      params: T.Object({ number: T.Union([P.phone(), T.Literal('')], { description: P.phone().description }) }),
      handler: async (req, _r, input) => user(await c.users.updatePhone(projectIdOf(req), req.params.userId, input.number, actorOf(req))),
    });

    route<{ userId: string }, { password: string }>(app, {
      method: 'PATCH',
      url: '/users/:userId/password',
      meta: { scope: 'users.write' },
      path: UserPath,
      params: T.Object({ password: T.Union([P.password(), T.Literal('')], { description: P.password().description }) }),
      handler: async (req, _r, input) => user(await c.users.updatePassword(req.caller.project, req.params.userId, input.password, actorOf(req))),
    });

    const flag = (url: string, param: string, update: (projectId: string, userId: string, v: boolean, actor: EventActor) => Promise<any>) =>
      route<{ userId: string }, Record<string, boolean>>(app, {
        method: 'PATCH',
        url,
        meta: { scope: 'users.write' },
        path: UserPath,
        params: T.Object({ [param]: P.bool() }),
        handler: async (req, _r, input) => user(await update(projectIdOf(req), req.params.userId, input[param], actorOf(req))),
      });
    flag('/users/:userId/status', 'status', (p, u, v, a) => c.users.updateStatus(p, u, v, a));
    flag('/users/:userId/verification', 'emailVerification', (p, u, v, a) => c.users.updateEmailVerification(p, u, v, a));
    flag('/users/:userId/verification/phone', 'phoneVerification', (p, u, v, a) => c.users.updatePhoneVerification(p, u, v, a));
    flag('/users/:userId/impersonator', 'impersonator', (p, u, v, a) => c.users.updateImpersonator(p, u, v, a));
    flag('/users/:userId/mfa', 'mfa', (p, u, v, a) => c.users.updateMfa(p, u, v, a));

    route<{ userId: string }, { labels: string[] }>(app, {
      method: 'PUT',
      url: '/users/:userId/labels',
      meta: { scope: 'users.write' },
      path: UserPath,
      params: T.Object({ labels: P.array(Label, 1000) }),
      handler: async (req, _r, input) => user(await c.users.updateLabels(projectIdOf(req), req.params.userId, input.labels, actorOf(req))),
    });

    route<{ userId: string }>(app, {
      method: 'GET',
      url: '/users/:userId/prefs',
      meta: { scope: 'users.read' },
      path: UserPath,
      handler: async (req) => prefsObject((await c.users.get(projectIdOf(req), req.params.userId)).prefs),
    });

    route<{ userId: string }, { prefs: Record<string, unknown> | unknown[] }>(app, {
      method: 'PATCH',
      url: '/users/:userId/prefs',
      meta: { scope: 'users.write' },
      path: UserPath,
      params: T.Object({ prefs: P.object() }),
      handler: async (req, _r, input) => {
        const prefs = assoc(input.prefs);
        checkPrefs(prefs);
        return prefsObject((await c.users.updatePrefs(projectIdOf(req), req.params.userId, prefs)).prefs);
      },
    });

    route<{ userId: string }, { sessionId?: string; duration?: number }>(app, {
      method: 'POST',
      url: '/users/:userId/jwts',
      meta: { scope: 'users.write' },
      path: UserPath,
      params: T.Object({ sessionId: P.opt(T.String({ pattern: '^(recent|[A-Za-z0-9][A-Za-z0-9._-]{0,35})$', description: P.uid().description })), duration: P.opt(P.int(0, 3600)) }),
      handler: async (req, reply, input) => {
        const jwt = await c.users.createJwt(projectIdOf(req), req.params.userId, input.sessionId ?? 'recent', input.duration ?? 900);
        return reply.code(201).send({ jwt });
      },
    });
  };
}
