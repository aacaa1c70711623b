// The client half of Tessera's custom-token flow.
//
// 1. POST the credentials to the login server (server.mjs), which answers {userId, secret}.
// 2. Exchange the token for a session: POST {endpoint}/account/sessions/token.
// 3. Act as the user with node-appwrite: client.setSession(cookieValue), then account.get().
//
// A browser would call `account.createSession({ userId, secret })` from the `appwrite` SDK and let
// the cookie do the rest. A server-side client without an API key gets an empty `secret` in the
// Session model (Appwrite hides it from guests), so here the exchange goes through fetch and reads
// the session cookie value from X-Fallback-Cookies (or Set-Cookie).
//
//   node examples/custom-token/client.mjs ada lovelace-1815 [http://localhost:3000]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Account, Client } from 'node-appwrite';

export class LoginError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'LoginError';
    this.status = status;
  }
}

/** Step 1: the login server checks the credentials and returns a token for the Tessera user. */
export async function requestToken(loginServerUrl, username, password) {
  const res = await fetch(new URL('/login', loginServerUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new LoginError(body.message ?? `login server answered ${res.status}`, res.status);
  return body;
}

/** The session cookie value from the exchange's response headers. */
function sessionCookieValue(res, project) {
  const name = `a_session_${project}`;
  const fallback = res.headers.get('x-fallback-cookies');
  if (fallback) {
    const value = JSON.parse(fallback)[name];
    if (value) return value;
  }
  for (const cookie of res.headers.getSetCookie()) {
    const [pair] = cookie.split(';');
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq) === name) return decodeURIComponent(pair.slice(eq + 1));
  }
  throw new LoginError('Tessera did not return a session cookie', res.status);
}

/** Step 2: exchange {userId, secret} for a session; returns the session model and cookie value. */
export async function exchangeToken(token, { endpoint, project }) {
  const res = await fetch(`${endpoint}/account/sessions/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': project },
    body: JSON.stringify({ userId: token.userId, secret: token.secret }),
  });
  const body = await res.json();
  if (!res.ok) throw new LoginError(body.message ?? `Tessera answered ${res.status}`, res.status);
  return { session: body, sessionSecret: sessionCookieValue(res, project) };
}

/**
 * Logs in through the login server and returns the Tessera user, the session, the cookie value
 * and a node-appwrite Client acting as that user.
 */
export async function login(loginServerUrl, username, password, { endpoint = 'http://localhost:8080/v1', project = 'default' } = {}) {
  const token = await requestToken(loginServerUrl, username, password);
  const { session, sessionSecret } = await exchangeToken(token, { endpoint, project });
  const client = new Client().setEndpoint(endpoint).setProject(project).setSession(sessionSecret);
  const user = await new Account(client).get();
  return { user, session, sessionSecret, client };
}

const runDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (runDirectly) {
  const [username, password, loginServerUrl = process.env.LOGIN_URL ?? 'http://localhost:3000'] = process.argv.slice(2);
  if (!username || !password) {
    console.error('usage: node client.mjs USERNAME PASSWORD [LOGIN_SERVER_URL]');
    process.exit(2);
  }
  const endpoint = process.env.TESSERA_ENDPOINT ?? 'http://localhost:8080/v1';
  const project = process.env.TESSERA_PROJECT ?? 'default';
  try {
    const { user, session } = await login(loginServerUrl, username, password, { endpoint, project });
    console.log(`logged in as ${user.name} <${user.email}> (user ${user.$id}, session ${session.$id})`);
  } catch (err) {
    console.error(`login failed: ${err.message}`);
    process.exit(1);
  }
}
