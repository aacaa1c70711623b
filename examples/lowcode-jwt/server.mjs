// The Appsmith-style low-code flow against Tessera, as a runnable app:
//
//   - a login page posts {identifier, password} to Tessera's POST /v1/auth/local and keeps the
//     returned JWT in the browser's storage (Appsmith's storeValue);
//   - a main page calls this server's sample API with `Authorization: Bearer <jwt>` and shows the
//     protected data only when the API accepted the token;
//   - logout calls DELETE /v1/auth/local with the JWT (the session behind it ends) and clears it.
//
// The sample API verifies tokens offline with tessera/verify (Tessera's JWKS, cached).
//
//   TESSERA_ENDPOINT=http://localhost:8080/v1 node examples/lowcode-jwt/server.mjs   # LOWCODE_PORT, default 3100
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { can, createVerifier } from 'tessera/verify';

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
const PAGES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/main.html': ['main.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
};

/** The sample data: every signed-in user sees the orders; only label:admin sees the revenue. */
const ORDERS = [
  { id: 'A-1001', item: 'Analytical engine, spare gears', total: 120 },
  { id: 'A-1002', item: 'Punched cards (box of 500)', total: 35 },
];

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/**
 * The low-code app's server: its pages, and GET /api/orders protected by a Tessera JWT.
 * `issuer` defaults to the endpoint (Tessera's TESSERA_PUBLIC_URL + /v1).
 */
export function createLowcodeServer({ endpoint, projectId = 'default', issuer } = {}) {
  if (!endpoint) throw new TypeError('createLowcodeServer needs { endpoint }');
  const verifier = createVerifier({ endpoint, projectId, issuer });
  const config = `window.TESSERA = ${JSON.stringify({ endpoint, projectId })};\n`;

  async function orders(req, res) {
    let claims;
    try {
      claims = await verifier.verifyRequest(req);
    } catch (err) {
      return sendJson(res, 401, { error: err.reason ?? 'invalid', message: err.message });
    }
    const body = { userId: claims.userId, orders: ORDERS };
    if (can(claims, 'read("label:admin")')) body.revenue = ORDERS.reduce((sum, o) => sum + o.total, 0);
    return sendJson(res, 200, body);
  }

  return http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://app');
    if (pathname === '/api/orders' && req.method === 'GET') {
      orders(req, res).catch(() => sendJson(res, 500, { error: 'server' }));
      return;
    }
    if (pathname === '/config.js') return void res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(config);
    const page = PAGES[pathname];
    if (!page || req.method !== 'GET') return sendJson(res, 404, { error: 'not found' });
    res.writeHead(200, { 'content-type': page[1], 'cache-control': 'no-store' }).end(fs.readFileSync(path.join(PUBLIC_DIR, page[0])));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const port = Number(process.env.LOWCODE_PORT ?? 3100);
  const server = createLowcodeServer({
    endpoint: process.env.TESSERA_ENDPOINT ?? 'http://localhost:8080/v1',
    projectId: process.env.TESSERA_PROJECT ?? 'default',
    issuer: process.env.TESSERA_ISSUER,
  });
  server.listen(port, () => console.log(`low-code example on http://localhost:${port}/`));
}
