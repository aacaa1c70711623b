import type { FastifyInstance } from 'fastify';
import { actorOf } from '../http/actor.ts';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { assoc, checkPrefs, P, T } from '../schemas/params.ts';
import { AppwriteError } from '../errors/errors.ts';
import { me } from '../http/caller.ts';
import { accountModel, prefsObject } from '../schemas/models.ts';
import { clearSessionCookies } from '../http/cookies.ts';
import type { UserRow } from '../users/users.ts';

const urlIp = (limit: number) => [{ limit, period: 3600, key: 'url:{url},ip:{ip}' }];
/**
 * Routes that verify the current password share one budget per user, 10 an hour, so a stolen
 * session cannot guess the password from many addresses or across routes, nor keep the hashing
 * threads busy. Appwrite limits only PATCH /account/password, and per address.
 */
const passwordCheck = { limit: 10, period: 3600, key: 'password-check,userId:{userId}' };

export function accountRoutes(c: Pick<Container, 'accounts' | 'clock' | 'jwt' | 'targets' | 'users'>) {
  return async (app: FastifyInstance) => {
    /** The Account model of a user just read or written, with its targets as stored now. */
    const account = async (u: UserRow) => accountModel(u, await c.targets.ofUser(u.project_id, u.id));

    route<{}, { userId: string; email: string; password: string; name?: string }>(app, {
      method: 'POST',
      url: '/account',
      meta: { scope: 'sessions.write', authMethod: 'email-password', abuse: urlIp(10) },
      params: T.Object({ userId: P.customId(), email: P.email(), password: P.password(), name: P.opt(P.text(128, 1)) }),
      handler: async (req, reply, input) => {
        const user = await c.accounts.create(req.caller.project, { ...input, actor: actorOf(req) });
        return reply.code(201).send(await account(user));
      },
    });

    // The most frequent request of all: the serialised model is kept per cached user row, which
    // is replaced (never mutated) whenever the user changes. A cached row comes with its targets,
    // and any target write drops the entry, so a warm hit reads nothing from the database.
    const serialised = new WeakMap<UserRow, string>();
    route(app, {
      method: 'GET',
      url: '/account',
      meta: { scope: 'account' },
      handler: async (req, reply) => {
        const user = me(req);
        let body = serialised.get(user);
        if (body === undefined) {
          const cached = req.caller.targets;
          body = JSON.stringify(cached ? accountModel(user, cached) : await account(user));
          if (cached) serialised.set(user, body);
        }
        return reply.type('application/json; charset=utf-8').send(body);
      },
    });

    route(app, {
      method: 'GET',
      url: '/account/prefs',
      meta: { scope: 'account' },
      handler: async (req) => prefsObject(me(req).prefs),
    });

    route<{}, { prefs: Record<string, unknown> | unknown[] }>(app, {
      method: 'PATCH',
      url: '/account/prefs',
      meta: { scope: 'account' },
      params: T.Object({ prefs: P.object() }),
      handler: async (req, _reply, input) => {
        const prefs = assoc(input.prefs);
        checkPrefs(prefs);
        return account(await c.users.updatePrefs(req.caller.project.id, me(req).id, prefs));
      },
    });

    route<{}, { name: string }>(app, {
      method: 'PATCH',
      url: '/account/name',
      meta: { scope: 'account' },
      params: T.Object({ name: P.text(128, 1) }),
      handler: async (req, _reply, input) => account(await c.users.updateName(req.caller.project.id, me(req).id, input.name, actorOf(req))),
    });

    route<{}, { password: string; oldPassword?: string }>(app, {
      method: 'PATCH',
      url: '/account/password',
      meta: { scope: 'account', abuse: [...urlIp(10), passwordCheck] },
      params: T.Object({ password: P.password(), oldPassword: P.opt(P.text(256)) }),
      handler: async (req, _reply, input) => {
        const { project, session, viaJwt } = req.caller;
        const currentId = viaJwt ? null : (session?.id ?? null);
        return account(await c.accounts.updatePassword(project, me(req), currentId, input.password, input.oldPassword, actorOf(req)));
      },
    });

    route<{}, { email: string; password: string }>(app, {
      method: 'PATCH',
      url: '/account/email',
      meta: { scope: 'account', abuse: [passwordCheck] },
      params: T.Object({ email: P.email(), password: P.password() }),
      handler: async (req, _reply, input) =>
        account(await c.accounts.updateContact(req.caller.project, me(req), 'email', input.email, input.password, actorOf(req))),
    });

    route<{}, { phone: string; password: string }>(app, {
      method: 'PATCH',
      url: '/account/phone',
      meta: { scope: 'account', abuse: [passwordCheck] },
      params: T.Object({ phone: P.phone(), password: P.password() }),
      handler: async (req, _reply, input) =>
        account(await c.accounts.updateContact(req.caller.project, me(req), 'phone', input.phone, input.password, actorOf(req))),
    });

    route(app, {
      method: 'PATCH',
      url: '/account/status',
      meta: { scope: 'account' },
      handler: async (req, reply) => {
        const user = await c.users.updateStatus(req.caller.project.id, me(req).id, false, actorOf(req));
        clearSessionCookies(req, reply, req.caller.project.id, c.clock.now());
        return account(user);
      },
    });

    for (const url of ['/account/jwts', '/account/jwt']) {
      route<{}, { duration?: number }>(app, {
        method: 'POST',
        url,
        meta: { scope: 'account', authMethod: 'jwt', abuse: [{ limit: 120, period: 60, key: 'url:{url},userId:{userId}' }] },
        params: T.Object({ duration: P.opt(P.int(0, 3600)) }),
        handler: async (req, reply, input) => {
          const { caller } = req;
          if (caller.viaJwt) throw new AppwriteError('user_jwt_creation_denied');
          if (!caller.session) throw new AppwriteError('user_session_not_found');
          const jwt = await c.jwt.sign({ user: me(req), sessionId: caller.session.id, projectId: caller.project.id }, input.duration ?? 900);
          return reply.code(201).send({ jwt });
        },
      });
    }
  };
}
