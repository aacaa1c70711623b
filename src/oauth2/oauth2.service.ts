import type { Db } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import { AppwriteError } from '../errors/errors.ts';
import { providerSpec, PROVIDERS, type ProviderConfig, type ProviderSpec } from './providers.ts';
import { findProviderRow, listProviderRows, upsertProviderRow, type ProviderRow } from './oauth2.repository.ts';

/** What a PATCH /project/oauth2/{provider} sets; undefined keeps the stored value. */
export interface ProviderUpdate {
  appId?: string;
  /** The write-only values by param name (the client secret; Apple's .p8 key). */
  secrets?: Record<string, string>;
  settings?: Record<string, unknown>;
  enabled?: boolean;
}

const OIDC_ENDPOINTS_REQUIRED = 'Enabling OpenID Connect requires either wellKnownURL, or all of authorizationURL, tokenURL, and userInfoURL.';
const CREDENTIALS_REQUIRED = 'Client ID and Client Secret are required when enabling OAuth2 provider.';

/**
 * Each project's OAuth2 provider settings. Secrets are sealed under the server key, bound to the
 * project and provider, and never returned. No network call is made here: a provider is checked
 * when someone signs in with it.
 */
export class OAuth2ProvidersService {
  constructor(
    private db: Db,
    private clock: Clock,
    private sealer: Sealer,
  ) {}

  async get(projectId: string, provider: string): Promise<ProviderConfig> {
    const spec = this.spec(provider);
    return this.toConfig(projectId, spec, await findProviderRow(this.db, projectId, provider));
  }

  async list(projectId: string): Promise<ProviderConfig[]> {
    const rows = new Map((await listProviderRows(this.db, projectId)).map((r) => [r.provider, r]));
    return PROVIDERS.map((spec) => this.toConfig(projectId, spec, rows.get(spec.id)));
  }

  async update(projectId: string, provider: string, change: ProviderUpdate): Promise<ProviderConfig> {
    const spec = this.spec(provider);
    const current = await this.get(projectId, provider);
    const next: ProviderConfig = {
      ...current,
      appId: change.appId ?? current.appId,
      secrets: { ...current.secrets, ...(change.secrets ?? {}) },
      settings: { ...current.settings, ...(change.settings ?? {}) },
      updatedAt: this.clock.now(),
    };
    next.enabled = this.enabledAfter(spec, next, change.enabled, current.enabled);
    const row: ProviderRow = {
      project_id: projectId,
      provider,
      enabled: next.enabled ? 1 : 0,
      app_id: next.appId,
      secret: Object.keys(next.secrets).length ? this.sealer.seal(JSON.stringify(next.secrets), sealContext(projectId, provider)) : '',
      settings: JSON.stringify(next.settings),
      created_at: next.updatedAt,
      updated_at: next.updatedAt,
    };
    await upsertProviderRow(this.db, row);
    return next;
  }

  /**
   * `true` requires credentials (and, for oidc, endpoints); omitted enables a provider whose
   * settings would pass, and otherwise leaves the flag as it was (Appwrite's Base.php).
   */
  private enabledAfter(spec: ProviderSpec, next: ProviderConfig, asked: boolean | undefined, was: boolean): boolean {
    if (asked === false) return false;
    const problem = this.enableProblem(spec, next);
    if (asked === true && problem) throw new AppwriteError('general_argument_invalid', problem);
    if (asked === true) return true;
    return problem ? was : true;
  }

  private enableProblem(spec: ProviderSpec, c: ProviderConfig): string | null {
    if (spec.id === 'oidc') {
      const s = c.settings;
      if (!s.wellKnownURL && !(s.authorizationURL && s.tokenURL && s.userInfoURL)) return OIDC_ENDPOINTS_REQUIRED;
    }
    if (!c.appId || !c.secrets[spec.secretParam]) return CREDENTIALS_REQUIRED;
    return null;
  }

  private spec(provider: string): ProviderSpec {
    const spec = providerSpec(provider);
    if (!spec) throw new AppwriteError('project_provider_unsupported');
    return spec;
  }

  private toConfig(projectId: string, spec: ProviderSpec, row: ProviderRow | undefined): ProviderConfig {
    const settings: Record<string, unknown> = {};
    const stored = row ? (JSON.parse(row.settings) as Record<string, unknown>) : {};
    for (const extra of spec.extras) settings[extra.name] = Object.hasOwn(stored, extra.name) ? stored[extra.name] : extra.fallback;
    return {
      provider: spec.id,
      enabled: row?.enabled === 1,
      appId: row?.app_id ?? '',
      secrets: row?.secret ? JSON.parse(this.sealer.open(row.secret, sealContext(projectId, spec.id))) : {},
      settings,
      updatedAt: Number(row?.updated_at ?? 0),
    };
  }
}

function sealContext(projectId: string, provider: string): string {
  return `oauth2:${projectId}:${provider}`;
}

/** The client secret of a provider's configuration ('' when none). */
export function clientSecretOf(config: ProviderConfig): string {
  const spec = providerSpec(config.provider);
  return spec ? (config.secrets[spec.secretParam] ?? '') : '';
}

/** OAuth2<Provider> response model: credentials' id readable, every write-only value "". */
export function providerModel(config: ProviderConfig) {
  const spec = providerSpec(config.provider)!;
  const model: Record<string, unknown> = { $id: spec.id, enabled: config.enabled, [spec.idParam]: config.appId, [spec.secretParam]: '' };
  for (const extra of spec.extras) model[extra.name] = config.settings[extra.name];
  return model;
}
