import type { FastifyInstance } from 'fastify';
import type { TProperties } from '@sinclair/typebox';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { P, T } from '../schemas/params.ts';
import { argumentInvalid } from '../errors/errors.ts';
import { userModel } from '../schemas/models.ts';
import { hashCostProblem, SHA_VERSIONS, type StoredPassword } from '../passwords/passwords.ts';
import { checkPersonalData } from '../passwords/password-policy.ts';

type Input = Record<string, any> & { userId: string; email: string; password: string; name?: string };

/**
 * POST /users/{algorithm}: users migrated with their existing password hashes. They log in with
 * their original password and are rehashed to argon2id on that login.
 */
const IMPORTS: { path: string; extra: TProperties; check?: (i: Input) => void; stored: (i: Input) => StoredPassword }[] = [
  // The hash carries its own parameters; hashOptions report the library defaults, as Appwrite does.
  { path: 'argon2', extra: {}, stored: (i) => ({ password: i.password, hash: 'argon2', hashOptions: { type: 'argon2', memory_cost: 65536, time_cost: 4, threads: 3 } }) },
  { path: 'bcrypt', extra: {}, stored: (i) => ({ password: i.password, hash: 'bcrypt', hashOptions: { type: 'bcrypt', cost: 8 } }) },
  { path: 'md5', extra: {}, stored: (i) => ({ password: i.password, hash: 'md5', hashOptions: { type: 'md5' } }) },
  {
    path: 'phpass',
    extra: {},
    stored: (i) => ({ password: i.password, hash: 'phpass', hashOptions: { type: 'phpass', iteration_count_log2: 8, portable_hashes: false, random_state: '' } }),
  },
  {
    path: 'sha',
    extra: { passwordVersion: P.opt(T.Union(Object.keys(SHA_VERSIONS).map((v) => T.Literal(v)), { description: `Value must be one of (${Object.keys(SHA_VERSIONS).join(', ')})` })) },
    stored: (i) => ({ password: i.password, hash: 'sha', hashOptions: { version: i.passwordVersion ?? 'sha3-512' } }),
  },
  {
    path: 'scrypt',
    extra: {
      passwordSalt: P.text(128, 1),
      passwordCpu: P.int(2, 1 << 20),
      passwordMemory: P.int(1, 1024),
      passwordParallel: P.int(1, 1024),
      passwordLength: P.int(16, 1024),
    },
    // scrypt's N must be a power of two; anything else could never verify.
    check: (i) => {
      if ((i.passwordCpu & (i.passwordCpu - 1)) !== 0) throw argumentInvalid('passwordCpu', 'CPU cost must be a power of 2 greater than 1');
    },
    stored: (i) => ({
      password: i.password,
      hash: 'scrypt',
      hashOptions: { type: 'scrypt', costCpu: i.passwordCpu, costMemory: i.passwordMemory, costParallel: i.passwordParallel, length: i.passwordLength, salt: i.passwordSalt },
    }),
  },
  {
    path: 'scrypt-modified',
    extra: { passwordSalt: P.text(128, 1), passwordSaltSeparator: P.text(128, 1), passwordSignerKey: P.text(128, 1) },
    stored: (i) => ({
      password: i.password,
      hash: 'scryptMod',
      hashOptions: { type: 'scryptMod', salt: i.passwordSalt, saltSeparator: i.passwordSaltSeparator, signerKey: i.passwordSignerKey },
    }),
  },
];

export function importRoutes(c: Pick<Container, 'targets' | 'users'>) {
  return async (app: FastifyInstance) => {
    for (const spec of IMPORTS) {
      route<{}, Input>(app, {
        method: 'POST',
        url: `/users/${spec.path}`,
        meta: { scope: 'users.write' },
        params: T.Object({ userId: P.customId(), email: P.email(), password: P.password(), name: P.opt(P.text(128, 1)), ...spec.extra }),
        handler: async (req, reply, input) => {
          const project = req.caller.project;
          spec.check?.(input);
          // A hash costing more than a login may spend would never verify: refused now, not at every login.
          const costly = hashCostProblem(spec.stored(input));
          if (costly) throw argumentInvalid(spec.path === 'scrypt' ? 'passwordCpu' : 'password', `Hash parameters above what Tessera verifies: ${costly}`);
          checkPersonalData(project.settings.auths, input.password, { id: input.userId, email: input.email, name: input.name });
          const user = await c.users.create(project, { userId: input.userId, email: input.email, name: input.name, imported: spec.stored(input) });
          return reply.code(201).send(userModel(user, await c.targets.ofUser(project.id, user.id)));
        },
      });
    }
  };
}
