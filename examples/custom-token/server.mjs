// A "legacy" login server for Tessera's custom-token flow.
//
// POST /login {username, password} checks the credentials against this server's own user store
// (any logic would do: LDAP, an old database, an external provider), then, with an API key,
// finds or creates the matching Tessera user and mints a short-lived token for it. The client
// exchanges {userId, secret} for a Tessera session (see client.mjs).
//
//   node examples/custom-token/server.mjs          # listens on LOGIN_PORT (default 3000)
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Client, ID, Query, Users } from 'node-appwrite';

const SCRYPT_KEYLEN = 32;
const scryptAsync = promisify(scrypt);
const MAX_BODY_BYTES = 16 * 1024;

/**
 * The legacy user store: username → email, display name and an scrypt hash of the password.
 * The demo users' passwords are "lovelace-1815" (ada) and "analytical-engine" (charles).
 */
export const LEGACY_USERS = new Map([
  ['ada', { email: 'ada@example.com', name: 'Ada Lovelace', salt: '4c6567616379536146653031', hash: '01c39a3f34ec39bc447e8298c49af3392128351983d229063f3a6af8bddb218d' }],
  ['charles', { email: 'charles@example.com', name: 'Charles Babbage', salt: '4c6567616379536146653032', hash: '350d85740027c66bb9ca02b33438480c1d56cb3df79796c7b4cd954f1f726b9f' }],
]);

/** scrypt (N=16384, r=8, p=1), 32 bytes, hex: how the legacy system stored passwords. */
export async function hashLegacyPassword(password, saltHex) {
  return (await scryptAsync(password, Buffer.from(saltHex, 'hex'), SCRYPT_KEYLEN)).toString('hex');
}

const DUMMY = { salt: '00'.repeat(12), hash: '00'.repeat(SCRYPT_KEYLEN) };

/** Returns the legacy user for these credentials, or null. Unknown names cost one scrypt too. */
export async function checkLegacyCredentials(users, username, password) {
  const user = users.get(username);
  const record = user ?? DUMMY;
  const actual = Buffer.from(await hashLegacyPassword(password, record.salt), 'hex');
  const expected = Buffer.from(record.hash, 'hex');
  const ok = actual.length === expected.length && timingSafeEqual(actual, expected);
  return user && ok ? user : null;
}

/** API key: TESSERA_KEY, else the key file Tessera writes on first start. */
export function readApiKey(env = process.env) {
  if (env.TESSERA_KEY) return env.TESSERA_KEY;
  const dataDir = env.TESSERA_DATA_DIR ?? './data';
  const file = path.resolve(dataDir, 'default-api-key.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).secret;
  } catch {
    throw new Error(`No API key: set TESSERA_KEY or start Tessera once so that ${file} exists`);
  }
}

/** Finds the Tessera user with this email, or creates it. */
async function findOrCreateUser(users, legacyUser) {
  const found = await users.list({ queries: [Query.equal('email', legacyUser.email), Query.limit(1)] });
  if (found.users.length > 0) return found.users[0];
  try {
    return await users.create({ userId: ID.unique(), email: legacyUser.email, name: legacyUser.name });
  } catch (err) {
    // Two first logins raced: the other one created the user.
    if (err?.type !== 'user_already_exists') throw err;
    const again = await users.list({ queries: [Query.equal('email', legacyUser.email), Query.limit(1)] });
    if (!again.users[0]) throw err;
    return again.users[0];
  }
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('Request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        reject(Object.assign(new Error('Body must be JSON'), { status: 400 }));
      }
    });
    req.on('error', reject);
  });
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Builds the login server (not yet listening).
 * options: endpoint, project, apiKey (defaults from env), users (the legacy store), tokenExpire (s).
 */
export function createLoginServer(options = {}) {
  const endpoint = options.endpoint ?? process.env.TESSERA_ENDPOINT ?? 'http://localhost:8080/v1';
  const project = options.project ?? process.env.TESSERA_PROJECT ?? 'default';
  const apiKey = options.apiKey ?? readApiKey();
  const legacyUsers = options.users ?? LEGACY_USERS;
  const users = new Users(new Client().setEndpoint(endpoint).setProject(project).setKey(apiKey));

  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/login') return send(res, 404, { message: 'Not found' });
    if (req.method !== 'POST') return send(res, 405, { message: 'Use POST' });
    try {
      const body = await readJson(req);
      const { username, password } = body ?? {};
      if (typeof username !== 'string' || typeof password !== 'string') {
        return send(res, 400, { message: 'username and password are required strings' });
      }
      const legacyUser = await checkLegacyCredentials(legacyUsers, username, password);
      if (!legacyUser) return send(res, 401, { message: 'Invalid credentials' });

      const user = await findOrCreateUser(users, legacyUser);
      // The token secret is short-lived (15 min by default) and works once.
      const token = await users.createToken({ userId: user.$id, expire: options.tokenExpire });
      return send(res, 200, { userId: user.$id, secret: token.secret });
    } catch (err) {
      if (err?.status) return send(res, err.status, { message: err.message });
      console.error('login failed:', err);
      return send(res, 502, { message: 'Could not reach Tessera' });
    }
  });
}

const runDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (runDirectly) {
  const port = Number(process.env.LOGIN_PORT ?? 3000);
  const server = createLoginServer();
  server.listen(port, () => {
    console.log(`login server on http://localhost:${port}/login`);
  });
}
