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
import { AppwriteError } from './errors.ts';

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
const KEY_EXTRA_SCOPES = ['global', 'health.read', 'graphql', 'public'];
const GUEST_SET = new Set(GUEST_SCOPES);
const USER_SET = new Set(USER_SCOPES);

export interface CallerDeps {
  projects: ProjectsService;
  keys: KeysService;
  sessions: SessionsService;
  jwt: JwtService;
}

/** Project id from X-Appwrite-Project, else the `project` param; '' for none. */
export function requestedProjectId(req: FastifyRequest): string {
  const header = req.headers['x-appwrite-project'];
  if (typeof header === 'string' && header) return header;
  const q = (req.query as Record<string, unknown> | undefined)?.project;
  if (typeof q === 'string') return q;
  const b = (req.body as Record<string, unknown> | undefined)?.project;
  return typeof b === 'string' ? b : '';
}

const PROJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$/;

/** Whether a string can be a project id at all (anything else never reaches the database). */
export function isProjectId(id: string): boolean {
  return PROJECT_ID.test(id);
}

/** The request's project: synchronously from the cache when it can, else from the database. */
export function resolveProject(deps: CallerDeps, req: FastifyRequest): Project | Promise<Project> {
  const id = requestedProjectId(req);
  if (!id || id === 'console') throw new AppwriteError('general_access_forbidden', 'This route requires a project: set the X-Appwrite-Project header.');
  if (!isProjectId(id)) throw new AppwriteError('project_not_found');
  return deps.projects.peek(id) ?? loadProject(deps, id);
}

async function loadProject(deps: CallerDeps, id: string): Promise<Project> {
  const project = await deps.projects.get(id);
  if (!project) throw new AppwriteError('project_not_found');
  return project;
}

/** The session value, in Appwrite's order: cookie, legacy cookie, X-Appwrite-Session, X-Fallback-Cookies. */
export function sessionValue(req: FastifyRequest, projectId: string): string {
  const name = `a_session_${projectId}`;
  const cookies = req.cookies ?? {};
  const fromCookie = cookies[name] || cookies[`${name}_legacy`];
  if (fromCookie) return fromCookie;
  const header = req.headers['x-appwrite-session'];
  if (typeof header === 'string' && header) return header;
  const fallback = req.headers['x-fallback-cookies'];
  if (typeof fallback === 'string' && fallback) {
    try {
      const parsed = JSON.parse(fallback);
      if (parsed && typeof parsed[name] === 'string') return parsed[name];
    } catch {
      /* ignore */
    }
  }
  return '';
}

/**
 * Who is calling. A plain session request whose session is cached is answered synchronously; a
 * JWT, an API key or a cache miss takes the asynchronous path.
 */
export function resolveCaller(deps: CallerDeps, req: FastifyRequest, project: Project): Caller | Promise<Caller> {
  const { 'x-appwrite-jwt': jwt, 'x-appwrite-key': key } = req.headers;
  if (!jwt && !key) {
    const value = sessionValue(req, project.id);
    const hit = value ? deps.sessions.peek(project.id, value) : null;
    if (hit) return { project, role: 'users', key: null, scopes: USER_SET, user: hit.user, session: hit.session, viaJwt: false, targets: hit.targets };
    if (hit === null) return guest(project);
  }
  return resolveCallerFully(deps, req, project);
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

  const jwtHeader = req.headers['x-appwrite-jwt'];
  if (typeof jwtHeader === 'string' && jwtHeader) {
    if (user) throw new AppwriteError('user_jwt_and_cookie_set');
    const claims = await deps.jwt.verify(jwtHeader, project.id);
    const resolved = await deps.sessions.resolveJwt(project.id, claims);
    if (resolved) ({ user, session } = resolved);
    viaJwt = resolved !== null;
  }

  const keyHeader = req.headers['x-appwrite-key'];
  if (typeof keyHeader === 'string' && keyHeader) {
    const sdk = req.headers['x-sdk-name'];
    const key = await deps.keys.authenticate(project.id, keyHeader, typeof sdk === 'string' ? sdk : undefined);
    if (key) {
      return { project, role: 'keys', key, scopes: new Set([...key.scopes, ...KEY_EXTRA_SCOPES]), user, session, viaJwt, targets };
    }
  }

  if (user) return { project, role: 'users', key: null, scopes: USER_SET, user, session, viaJwt, targets };
  return guest(project);
}

/** 401 general_unauthorized_scope unless the caller holds one of the route's scopes. */
export function assertScope(caller: Caller, scope: string | string[]): void {
  const wanted = Array.isArray(scope) ? scope : [scope];
  if (wanted.some((s) => caller.scopes.has(s))) return;
  const who = caller.user?.email || 'User';
  const role = caller.role === 'keys' ? 'applications' : caller.role;
  throw new AppwriteError('general_unauthorized_scope', `${who} (role: ${role}) missing scopes (${JSON.stringify([wanted[0]])})`);
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
