import { P, T } from '../schemas/params.ts';
import { KEY_FIELDS, type AppPlatformType } from './platforms.ts';

// Platform params, shared by the routes and `tessera platforms create`.

/** Appwrite's Text(max, requireNonBlank): 1..max chars, not only whitespace. */
const nonBlank = (max: number) =>
  T.String({ minLength: 1, maxLength: max, pattern: '\\S', description: `Value must be a valid string and at least 1 chars and no longer than ${max} chars` });

/** Appwrite's Hostname validator: at most 253 chars, no scheme, port or path (so no `/` or `:`); `*.` wildcards pass. */
const Hostname = T.String({
  maxLength: 253,
  pattern: '^(?!0$)(?=[^/:]*\\S)[^/:]+$',
  description: 'Value must be a valid hostname without path, port and protocol.',
});

export const PLATFORM_PARAMS = {
  name: nonBlank(128),
  hostname: Hostname,
  identifier: nonBlank(256),
};

export const CreateWebParams = T.Object({ platformId: P.customId(), name: PLATFORM_PARAMS.name, hostname: PLATFORM_PARAMS.hostname });
export const createAppParams = (type: AppPlatformType) =>
  T.Object({ platformId: P.customId(), name: PLATFORM_PARAMS.name, [KEY_FIELDS[type]]: PLATFORM_PARAMS.identifier });

