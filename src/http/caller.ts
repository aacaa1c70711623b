import type { FastifyRequest } from 'fastify';
import type { Project } from '../projects/projects.ts';
import type { ApiKey } from '../keys/keys.ts';
import type { UserRow } from '../users/users.ts';
import type { SessionRow } from '../sessions/sessions.ts';
import type { TargetRow } from '../targets/targets.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { KeysService } from '../keys/keys.service.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import type { JwtService } from '../jwt/jwt.service.ts';
import { AppwriteError } from '../errors/errors.ts';
import { requestCookies } from './cookies.ts';

const NO_COOKIES: Record<string, string | undefined> = Object.freeze({});

export type Role = 'guests' | 'users' | 'keys';

export interface Caller {
  project: Project;
  role: Role;
  key: ApiKey | null;
  scopes: ReadonlySet<string>;
  user: UserRow | null;
  /** The session that authenticated this request (cookie, header, fallback cookie, or the JWT's session). */
  session: SessionRow | null;
  viaJwt: boolean;
  /** The user's targets when they came with a session-cache entry; null otherwise (read them when needed). */
  targets: readonly TargetRow[] | null;
}

const GUEST_SCOPES = ['sessions.write', 'public', 'avatars.read', 'locale.read', 'global'];
const USER_SCOPES = [...GUEST_SCOPES, 'account', 'teams.read', 'teams.write', 'targets.read', 'targets.write'];
// As Appwrite's roles.php: keys get these on top of their own scopes.
const KEY_EXTRA_SCOPES = ['global', 'health.read', 'graphql'];
const GUEST_SET = new Set(GUEST_SCOPES);
const USER_SET = new Set(USER_SCOPES);

export interface CallerDeps {
  projects: ProjectsService;
  keys: KeysService;
  sessions: SessionsService;
  jwt: JwtService;
}

/**
 * Project id as Appwrite reads it (app/init/resources/request.php:604-614): the `project` param
 * (query string for GET, body otherwise) first, else X-Appwrite-Project, else the `project` query
 * param of a non-GET request; '' for none.
 */
export function requestedProjectId(req: FastifyRequest): string {
  const query = req.query as Record<string, unknown> | undefined;
  const params = req.method === 'GET' || req.method === 'HEAD' ? query : (req.body as Record<string, unknown> | undefined);
  const param = params && typeof params === 'object' ? params.project : undefined;
  const header = req.headers['x-appwrite-project'];
  let id = typeof param === 'string' ? param : typeof header === 'string' ? header : '';
  if (id === '' && typeof query?.project === 'string') id = query.project;
  return id;
}

const PROJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$/;

/** Whether a string can be a project id at all (anything else never reaches the database). */
export function isProjectId(id: string): boolean {
  return PROJECT_ID.test(id);
}

/**
 * The request's project, or null for none, the console, or an unknown id: synchronously from the
 * cache when it can, else from the database.
 */
export function findProject(deps: CallerDeps, req: FastifyRequest): Project | null | Promise<Project | null> {
  const id = requestedProjectId(req);
  if (!id || id === 'console' || !isProjectId(id)) return null;
  return deps.projects.peek(id) ?? deps.projects.get(id);
}

/**
 * Why a project route has no project. Tessera has no console project, so an empty or `console`
 * project gets the error Appwrite gives project-only services there (app/controllers/general.php:827-831).
 */
export function missingProject(req: FastifyRequest): AppwriteError {
  const id = requestedProjectId(req);
  if (id && id !== 'console') return new AppwriteError('project_not_found');
  const header = req.headers['x-appwrite-project'];
  return new AppwriteError(
    'general_access_forbidden',
    typeof header === 'string' && header
      ? 'This endpoint is not available for the console project. The Appwrite Console is a reserved project ID and cannot be used with the Appwrite SDKs and APIs. Please check if your project ID is correct.'
      : 'No Appwrite project was specified. Please specify your project ID when initializing your Appwrite SDK.',
  );
}

interface SessionPick {
  /** The value to authenticate ('' for none). */
  value: string;
  /** Whether it was not known to decode (a lone cookie or header is taken as is, to keep the hot path cheap). */
  unchecked: boolean;
  /** Whether neither cookie nor X-Appwrite-Session carried a session, so X-Fallback-Cookies was read. */
  fallback: boolean;
}

/**
 * The session value, in Appwrite's order (app/init/resources/request.php:469-493): cookie (else the
 * legacy cookie), X-Appwrite-Session, X-Fallback-Cookies. A value that does not decode to a session
 * (utopia-php/auth Store::decode) does not count, so the next source is read.
 */
function pickSession(req: FastifyRequest, projectId: string): SessionPick {
  const name = `a_session_${projectId}`;
  const cookies = req.headers.cookie ? requestCookies(req) : NO_COOKIES;
  const cookie = cookies[name] || cookies[`${name}_legacy`] || '';
  const h = req.headers['x-appwrite-session'];
  const header = typeof h === 'string' ? h : '';
  const fallbackHeader = req.headers['x-fallback-cookies'];
  if (!fallbackHeader && (!cookie || !header)) {
    const value = cookie || header;
    if (value) return { value, unchecked: true, fallback: false };
  }
  if (cookie && carriesSession(cookie)) return { value: cookie, unchecked: false, fallback: false };
  if (header && carriesSession(header)) return { value: header, unchecked: false, fallback: false };
  return { value: fallbackValue(fallbackHeader, name), unchecked: false, fallback: true };
}

function fallbackValue(header: string | string[] | undefined, name: string): string {
  if (typeof header !== 'string' || !header) return '';
  try {
    const parsed = JSON.parse(header);
    return parsed && typeof parsed === 'object' && typeof parsed[name] === 'string' ? parsed[name] : '';
  } catch {
    return '';
  }
}

/** Whether a value decodes (base64 JSON) to a store with an id or a secret. */
function carriesSession(value: string): boolean {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    return !!parsed && typeof parsed === 'object' && (!!parsed.id || !!parsed.secret);
  } catch {
    return false;
  }
}

/** The session value, in Appwrite's order: cookie, legacy cookie, X-Appwrite-Session, X-Fallback-Cookies. */
export function sessionValue(req: FastifyRequest, projectId: string): string {
  return pickSession(req, projectId).value;
}

/**
 * Appwrite's X-Debug-Fallback: 'true' when neither cookie nor X-Appwrite-Session carried a session
 * (request.php:486-489). `authenticated`: the picked value authenticated, so it decoded.
 */
export function debugFallback(req: FastifyRequest, projectId: string, authenticated = false): 'true' | 'false' {
  const pick = pickSession(req, projectId);
  if (pick.fallback) return 'true';
  return pick.unchecked && !authenticated && !carriesSession(pick.value) ? 'true' : 'false';
}

/**
 * Who is calling. A plain session request whose session is cached is answered synchronously; a
 * JWT, an API key or a cache miss takes the asynchronous path.
 */
export function resolveCaller(deps: CallerDeps, req: FastifyRequest, project: Project): Caller | Promise<Caller> {
  if (!req.headers['x-appwrite-key']) {
    const jwt = jwtOf(req);
    const value = sessionValue(req, project.id);
    if (!jwt) {
      const hit = value ? deps.sessions.peek(project.id, value) : null;
      if (hit) return { project, role: 'users', key: null, scopes: USER_SET, user: hit.user, session: hit.session, viaJwt: false, targets: hit.targets };
      if (hit === null) return guest(project);
    } else if (!value) {
      const known = knownJwtCaller(deps, jwt, project);
      if (known) return known;
    }
  }
  return resolveCallerFully(deps, req, project);
}

/**
 * A JWT this process verified before, whose session is in the session cache: answered without
 * the database or a signature check. The cache entry is dropped by the same events as a cookie's.
 */
function knownJwtCaller(deps: CallerDeps, jwt: string, project: Project): Caller | undefined {
  const claims = deps.jwt.peek(jwt, project.id);
  if (!claims) return undefined;
  const hit = deps.sessions.peekJwt(project.id, claims);
  if (hit === null) return guest(project);
  if (!hit) return undefined;
  return { project, role: 'users', key: null, scopes: USER_SET, user: hit.user, session: hit.session, viaJwt: true, targets: hit.targets };
}

const BEARER = /^bearer\s+(\S+)\s*$/i;

/**
 * The request's account JWT: X-Appwrite-JWT, else `Authorization: Bearer <jwt>` (Appwrite's SDKs
 * never send Authorization, so the two cannot disagree). '' for none.
 */
export function jwtOf(req: FastifyRequest): string {
  const header = req.headers['x-appwrite-jwt'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (typeof auth !== 'string' || !auth) return '';
  return BEARER.exec(auth)?.[1] ?? '';
}

function guest(project: Project): Caller {
  return { project, role: 'guests', key: null, scopes: GUEST_SET, user: null, session: null, viaJwt: false, targets: null };
}

async function resolveCallerFully(deps: CallerDeps, req: FastifyRequest, project: Project): Promise<Caller> {
  let user: UserRow | null = null;
  let session: SessionRow | null = null;
  let viaJwt = false;
  let targets: readonly TargetRow[] | null = null;

  const value = sessionValue(req, project.id);
  if (value) {
    const hit = await deps.sessions.authenticate(project.id, value);
    if (hit) ({ user, session, targets } = hit);
  }

  const jwt = jwtOf(req);
  if (jwt) {
    if (user) throw new AppwriteError('user_jwt_and_cookie_set');
    const claims = await deps.jwt.verify(jwt, project.id);
    const resolved = await deps.sessions.resolveJwt(project.id, claims);
    if (resolved) ({ user, session, targets } = resolved);
    viaJwt = resolved !== null;
  }

  const keyHeader = req.headers['x-appwrite-key'];
  if (typeof keyHeader === 'string' && keyHeader) {
    // request.php:553-558: an account-key user header next to a signed-in user.
    if (user && req.headers['x-appwrite-user']) throw new AppwriteError('user_api_key_and_session_set');
    // request.php:1053-1057: every key Tessera can read carries the project it was looked up in.
    if (req.headers['x-appwrite-project'] !== project.id) throw new AppwriteError('project_id_missing');
    const sdk = req.headers['x-sdk-name'];
    const key = await deps.keys.authenticate(project.id, keyHeader, typeof sdk === 'string' ? sdk : undefined);
    if (key) {
      return { project, role: 'keys', key, scopes: new Set([...key.scopes, ...KEY_EXTRA_SCOPES]), user, session, viaJwt, targets };
    }
    // Auth/Key.php:130-138,289: an unreadable key is a guest key; its scopes replace the user's,
    // the user stays (shared/api.php:150-152).
    return { project, role: 'guests', key: null, scopes: GUEST_SET, user, session, viaJwt, targets };
  }

  if (user) return { project, role: 'users', key: null, scopes: USER_SET, user, session, viaJwt, targets };
  return guest(project);
}

const ROLE_LABELS: Record<Role, string> = { guests: 'guests', users: 'users', keys: 'applications' };

/**
 * 401 general_unauthorized_scope unless the caller holds one of the route's scopes. The message
 * names the caller as Appwrite does (shared/api.php:162-169,471): a key acts as the project's
 * service user `app.<projectId>@service.<hostname>`.
 */
export function assertScope(caller: Caller, scope: string | string[], hostname = '', keyScopes: readonly string[] = []): void {
  if (typeof scope === 'string' ? caller.scopes.has(scope) : scope.some((s) => caller.scopes.has(s))) return;
  if (caller.role === 'keys' && keyScopes.some((s) => caller.scopes.has(s))) return;
  const wanted = [...(typeof scope === 'string' ? [scope] : scope), ...keyScopes];
  const who = caller.role === 'keys' ? `app.${caller.project.id}@service.${hostname.toLowerCase()}` : caller.user?.email || 'User';
  throw new AppwriteError('general_unauthorized_scope', `${who} (role: ${ROLE_LABELS[caller.role]}) missing scopes (${JSON.stringify(wanted)})`);
}

/** The signed-in user of an `account`-scoped route (the scope check has already refused guests). */
export function me(req: FastifyRequest): UserRow {
  const user = req.caller.user;
  if (!user) throw new AppwriteError('user_not_found');
  return user;
}

/** The project the request acts in (resolved before validation). */
export function projectIdOf(req: FastifyRequest): string {
  return req.caller.project.id;
}
