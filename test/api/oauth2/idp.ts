// A real OpenID Provider (npm oidc-provider) for OAuth2 login tests, and a browser with a cookie jar
// that plays its development login and consent pages.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface IdpAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestIdp {
  issuer: string;
  wellKnown: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by login name (the `sub`); tests add theirs. */
  accounts: Map<string, IdpAccount>;
  close(): Promise<void>;
}

/**
 * Starts an OpenID Provider on a random port with one confidential client for these redirect URIs;
 * `path` mounts it below a path (Keycloak's /realms/<name>), as the issuer's path.
 */
export async function startIdp(redirectUris: string[], opts: { path?: string } = {}): Promise<TestIdp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const mount = opts.path ?? '';
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}${mount}`;
  const accounts = new Map<string, IdpAccount>();
  const clientId = 'tessera-test';
  const clientSecret = 'tessera-test-secret-0123456789abcdef';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, ...(accounts.get(id) ?? {}) }) }),
    cookies: { keys: ['tessera-test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 86400, Grant: 86400, Interaction: 600, Session: 86400 },
  });
  const handle = provider.callback();
  server.on('request', (req: http.IncomingMessage & { originalUrl?: string }, res: http.ServerResponse) => {
    if (mount && req.url?.startsWith(mount)) {
      req.originalUrl = req.url;
      req.url = req.url.slice(mount.length) || '/';
    }
    handle(req, res);
  });
  return {
    issuer,
    wellKnown: `${issuer}/.well-known/openid-configuration`,
    clientId,
    clientSecret,
    accounts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A browser: cookies per host:port, redirects followed by hand so each hop can be looked at. */
export class TestBrowser {
  private jar = new Map<string, Map<string, string>>();

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name);
  }

  setCookie(url: string, name: string, value: string): void {
    const host = new URL(url).host;
    this.jar.set(host, (this.jar.get(host) ?? new Map()).set(name, value));
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url);
    const cookies = [...(this.jar.get(u.host) ?? new Map())].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers: Record<string, string> = { 'sec-fetch-mode': 'navigate', accept: 'text/html' };
    if (cookies) headers.cookie = cookies;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(u.host, res.headers.getSetCookie());
    return res;
  }

  private store(host: string, setCookies: string[]) {
    const jar = this.jar.get(host) ?? new Map<string, string>();
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.jar.set(host, jar);
  }

  /**
   * Navigates from `url`, following redirects, until a page answers (the IdP's forms) or the next
   * hop leaves for a host in `stopAt` (the app's success/failure URLs, which nothing serves).
   */
  async navigate(url: string, stopAt: string[], init: { form?: Record<string, string> } = {}): Promise<{ url: string; res: Response | null }> {
    let current = url;
    let res = await this.request(current, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { url: current, res };
      current = new URL(location, current).toString();
      if (stopAt.includes(new URL(current).host)) return { url: current, res: null };
      res = await this.request(current);
    }
    throw new Error('too many redirects');
  }
}

export interface PlayOptions {
  /** Press "abort" on the IdP's page instead of logging in (access_denied). */
  abort?: boolean;
}

/**
 * Plays a whole login: from Tessera's start URL through the IdP's login and consent pages back
 * through Tessera, to the app URL it finally redirects to (returned with its query).
 */
export async function playLogin(browser: TestBrowser, startUrl: string, login: string, appHosts: string[], opts: PlayOptions = {}): Promise<{ url: URL; res: Response | null }> {
  let step = await browser.navigate(startUrl, appHosts);
  for (let pages = 0; pages < 5 && step.res; pages++) {
    const match = /\/interaction\/([^/?]+)$/.exec(new URL(step.url).pathname);
    if (!match) break;
    const html = await step.res.text();
    if (opts.abort) step = await browser.navigate(`${step.url}/abort`, appHosts);
    else if (html.includes('name="login"')) step = await browser.navigate(step.url, appHosts, { form: { prompt: 'login', login, password: 'any' } });
    else step = await browser.navigate(step.url, appHosts, { form: { prompt: 'consent' } });
  }
  return { url: new URL(step.url), res: step.res };
}
