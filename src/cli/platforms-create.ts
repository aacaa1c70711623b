import type { Container } from '../container.ts';
import { platformModel } from '../schemas/models.ts';
import { AppwriteError, argumentInvalid } from '../errors/errors.ts';
import { compileParams } from '../schemas/params.ts';
import { CreateWebParams, createAppParams } from '../platforms/platforms.schemas.ts';
import { KEY_FIELDS, PLATFORM_TYPES, type AppPlatformType, type PlatformType } from '../platforms/platforms.ts';

export interface PlatformsCreateOptions {
  project: string;
  type: string;
  name: string;
  id?: string;
  hostname?: string;
  bundleId?: string;
  applicationId?: string;
  packageIdentifierName?: string;
  packageName?: string;
}

/** Registers a platform through the service, with the same param checks as POST /v1/project/platforms/<type>. */
export async function platformsCreate(c: Container, o: PlatformsCreateOptions) {
  if (!(await c.projects.get(o.project))) throw new AppwriteError('project_not_found');
  if (!(PLATFORM_TYPES as readonly string[]).includes(o.type)) throw argumentInvalid('type', `Value must be one of (${PLATFORM_TYPES.join(', ')})`);
  const type = o.type as PlatformType;
  const platformId = o.id ?? 'unique()';
  if (type === 'web') {
    const input = compileParams(CreateWebParams, false)({ platformId, name: o.name, hostname: o.hostname }) as { name: string; hostname: string };
    return platformModel(await c.platforms.create(o.project, platformId, { type, name: input.name, hostname: input.hostname }));
  }
  const identifiers: Record<AppPlatformType, string | undefined> = {
    apple: o.bundleId,
    android: o.applicationId,
    windows: o.packageIdentifierName,
    linux: o.packageName,
  };
  const field = KEY_FIELDS[type];
  const input = compileParams(createAppParams(type), false)({ platformId, name: o.name, [field]: identifiers[type] }) as Record<string, string>;
  return platformModel(await c.platforms.create(o.project, platformId, { type, name: input.name, key: input[field] }));
}
