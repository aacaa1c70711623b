import type { FastifyInstance } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { pageOnly, wantsTotal } from '../http/queries.ts';
import { P, T } from '../schemas/params.ts';
import { listModel, projectModel } from '../schemas/models.ts';
import type { AuthSettings } from '../projects/projects.ts';
import { POLICY_IDS, policyModel, type PolicyId } from './policies.ts';
import { mfaFactorsOf } from '../mfa/mfa.ts';
import { loadPasswordDictionary } from './password-dictionary.ts';

const READ = ['policies.read', 'project.policies.read'];
const WRITE = ['policies.write', 'project.policies.write'];
const POLICY_ID_DESCRIPTION = `Value must be one of (${POLICY_IDS.join(', ')})`;

type Body = Record<string, any>;

/**
 * One PATCH /project/policies/<id>: its params and how they change the stored auth settings
 * (Appwrite's Policies/<Name>/Update.php). Every one but password-strength answers the Project.
 */
interface PolicyUpdate {
  id: Exclude<PolicyId, 'membership-privacy'>;
  params: Record<string, TSchema>;
  apply(auths: AuthSettings, input: Body): void;
}

const enabled = { enabled: P.bool() };

const UPDATES: PolicyUpdate[] = [
  { id: 'password-dictionary', params: enabled, apply: (a, i) => (a.passwordDictionary = i.enabled) },
  // null (here: omitted) turns the history off, as Appwrite.
  { id: 'password-history', params: { total: P.opt(P.int(1, 20)) }, apply: (a, i) => (a.passwordHistory = i.total ?? 0) },
  {
    id: 'password-strength',
    params: { min: P.opt(P.int(8, 256)), uppercase: P.opt(P.bool()), lowercase: P.opt(P.bool()), number: P.opt(P.bool()), symbols: P.opt(P.bool()) },
    apply: (a, i) => (a.passwordStrength = { ...a.passwordStrength, ...i }),
  },
  { id: 'password-personal-data', params: enabled, apply: (a, i) => (a.personalDataCheck = i.enabled) },
  { id: 'session-alert', params: enabled, apply: (a, i) => (a.sessionAlerts = i.enabled) },
  { id: 'session-duration', params: { duration: P.int(60, 31536000) }, apply: (a, i) => (a.duration = i.duration) },
  { id: 'session-invalidation', params: enabled, apply: (a, i) => (a.invalidateSessions = i.enabled) },
  { id: 'session-limit', params: { total: P.int(1, 100) }, apply: (a, i) => (a.maxSessions = i.total) },
  { id: 'user-limit', params: { total: P.opt(P.int(0, 10000)) }, apply: (a, i) => (a.limit = i.total ?? 0) },
  {
    id: 'mfa-factors',
    params: { totp: P.opt(P.bool()), email: P.opt(P.bool()), phone: P.opt(P.bool()), custom: P.opt(P.bool()) },
    apply: (a, i) => Object.assign(a, { mfaFactors: { ...mfaFactorsOf(a), ...i } }),
  },
];

/** /project/policies: the project's security policies (node-appwrite's Project service), API keys only. */
export function policyRoutes(c: Pick<Container, 'projects'>) {
  return async (app: FastifyInstance) => {
    route<{}, { queries?: string[]; total?: boolean }>(app, {
      method: 'GET',
      url: '/project/policies',
      meta: { scope: READ },
      params: T.Object({ queries: P.opt(P.array(T.String(), 100)), total: P.opt(P.bool()) }),
      handler: async (req, _reply, input) => {
        const { limit, offset } = pageOnly(input.queries, POLICY_IDS.length);
        const auths = (await c.projects.get(projectIdOf(req)))!.settings.auths;
        const all = POLICY_IDS.map((id) => policyModel(id, auths));
        return listModel('policies', wantsTotal(input.total) ? all.length : 0, all.slice(offset, offset + limit));
      },
    });

    route<{ policyId: PolicyId }>(app, {
      method: 'GET',
      url: '/project/policies/:policyId',
      meta: { scope: READ },
      path: T.Object({ policyId: T.Union(POLICY_IDS.map((id) => T.Literal(id)), { description: POLICY_ID_DESCRIPTION }) }),
      handler: async (req) => policyModel(req.params.policyId, (await c.projects.get(projectIdOf(req)))!.settings.auths),
    });

    for (const update of UPDATES) {
      route<{}, Body>(app, {
        method: 'PATCH',
        url: `/project/policies/${update.id}`,
        meta: { scope: WRITE },
        params: T.Object(update.params),
        handler: async (req, _reply, body) => {
          // Only the declared params reach the settings (a body may carry others, such as `project`).
          const input = Object.fromEntries(Object.entries(body).filter(([name]) => Object.hasOwn(update.params, name)));
          // The list is loaded (off the event loop) when the policy is switched on, not by the first sign-up that needs it.
          if (update.id === 'password-dictionary' && input.enabled) await loadPasswordDictionary();
          const project = await c.projects.updateSettings(projectIdOf(req), (s) => {
            update.apply(s.auths, input);
            return s;
          });
          return update.id === 'password-strength' ? policyModel(update.id, project.settings.auths) : projectModel(project);
        },
      });
    }
  };
}
