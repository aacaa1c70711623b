import type { FastifyInstance } from 'fastify';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { parseQueries, wantsTotal } from '../http/queries.ts';
import { P, T } from '../schemas/params.ts';
import { AppwriteError, argumentInvalid } from '../errors/errors.ts';
import { listModel } from '../schemas/models.ts';
import { PROMPT_VALUES, PROVIDER_IDS, PROVIDERS, type ProviderSpec } from './providers.ts';
import { providerModel, type ProviderUpdate } from './oauth2.service.ts';

/** Appwrite's URL validator, or "" (which clears a stored endpoint). */
FormatRegistry.Set('url-or-empty', (value) => {
  if (value === '') return true;
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.hostname;
  } catch {
    return false;
  }
});

const url = () => T.String({ format: 'url-or-empty', maxLength: 2048, description: 'Value must be a valid URL' });
const PROMPT_ALONE = 'When "none" is used as a prompt value, it must be the only element in the array.';

function extraSchema(kind: string, providerId: string): TSchema {
  switch (kind) {
    case 'url':
      return url();
    case 'prompt': {
      const values = providerId === 'google' ? PROMPT_VALUES.filter((v) => v !== 'login') : PROMPT_VALUES;
      return P.array(T.Union(values.map((v) => T.Literal(v)), { description: `Value must be one of (${values.join(', ')})` }), values.length);
    }
    case 'maxAge':
      return P.int(0, Number.MAX_SAFE_INTEGER);
    default:
      return P.text(256);
  }
}

/** The PATCH body of one provider: its own id/secret param names, its extras, `enabled`. */
function updateSchema(spec: ProviderSpec): TSchema {
  const props: Record<string, TSchema> = {
    [spec.idParam]: P.opt(P.text(256)),
    [spec.secretParam]: P.opt(P.text(spec.id === 'apple' ? 4096 : 512)),
    enabled: P.opt(P.bool()),
  };
  for (const extra of spec.extras) props[extra.name] = P.opt(extraSchema(extra.kind, spec.id));
  // Appwrite's oidc route also takes the older spellings.
  if (spec.id === 'oidc') Object.assign(props, { tokenUrl: P.opt(url()), userInfoUrl: P.opt(url()) });
  return T.Object(props);
}

function updateOf(spec: ProviderSpec, input: Record<string, unknown>): ProviderUpdate {
  const settings: Record<string, unknown> = {};
  for (const extra of spec.extras) if (input[extra.name] !== undefined) settings[extra.name] = input[extra.name];
  if (spec.id === 'oidc') {
    settings.tokenURL ??= input.tokenUrl;
    settings.userInfoURL ??= input.userInfoUrl;
    for (const k of ['tokenURL', 'userInfoURL']) if (settings[k] === undefined) delete settings[k];
  }
  const prompt = settings.prompt;
  if (Array.isArray(prompt) && prompt.includes('none') && prompt.length > 1) throw new AppwriteError('general_argument_invalid', PROMPT_ALONE);
  const secret = input[spec.secretParam];
  return {
    appId: input[spec.idParam] as string | undefined,
    secrets: typeof secret === 'string' ? { [spec.secretParam]: secret } : undefined,
    settings,
    enabled: input.enabled as boolean | undefined,
  };
}

/** /project/oauth2: provider settings through the Project service (API keys with project.oauth2.*). */
export function oauth2ProviderRoutes(c: Pick<Container, 'oauth2Providers'>) {
  return async (app: FastifyInstance) => {
    route<{}, { queries?: string[]; total?: boolean }>(app, {
      method: 'GET',
      url: '/project/oauth2',
      meta: { scope: 'project.oauth2.read' },
      params: T.Object({ queries: P.opt(P.array(T.String(), 100)), total: P.opt(P.bool()) }),
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, {}, 5000);
        const all = await c.oauth2Providers.list(projectIdOf(req));
        const page = all.slice(query.offset, query.offset + query.limit);
        return listModel('providers', wantsTotal(input.total) ? all.length : 0, page.map(providerModel));
      },
    });

    route<{ providerId: string }>(app, {
      method: 'GET',
      url: '/project/oauth2/:providerId',
      meta: { scope: 'project.oauth2.read' },
      handler: async (req) => {
        if (!PROVIDER_IDS.includes(req.params.providerId)) throw argumentInvalid('providerId', `Value must be one of (${PROVIDER_IDS.join(', ')})`);
        return providerModel(await c.oauth2Providers.get(projectIdOf(req), req.params.providerId));
      },
    });

    for (const spec of PROVIDERS) {
      route<{}, Record<string, unknown>>(app, {
        method: 'PATCH',
        url: `/project/oauth2/${spec.id}`,
        meta: { scope: 'project.oauth2.write' },
        params: updateSchema(spec),
        handler: async (req, _reply, input) => providerModel(await c.oauth2Providers.update(projectIdOf(req), spec.id, updateOf(spec, input))),
      });
    }

    route(app, {
      method: 'PATCH',
      url: '/project/oauth2/:providerId',
      meta: { scope: 'project.oauth2.write' },
      handler: async () => {
        throw argumentInvalid('provider', `Value must be one of (${PROVIDER_IDS.join(', ')})`);
      },
    });
  };
}
