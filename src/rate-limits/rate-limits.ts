/** One abuse rule of a route: `key` uses {url}, {ip}, {userId} and {param-<name>} placeholders. */
export interface AbuseRule {
  limit: number;
  period: number;
  key: string;
}

export interface AbuseContext {
  url: string;
  ip: string;
  userId: string;
  params: Record<string, unknown>;
}

/** Fills the key template; an empty param stays as its literal placeholder, as in Appwrite. */
export function abuseKey(template: string, ctx: AbuseContext): string {
  return template.replace(/\{(url|ip|userId|param-([A-Za-z0-9_]+))\}/g, (whole, name: string, param?: string) => {
    if (name === 'url') return ctx.url;
    if (name === 'ip') return ctx.ip;
    if (name === 'userId') return ctx.userId || whole;
    const v = ctx.params[param!];
    // Counted before validation: an array or object param (which validation then refuses) keeps the
    // placeholder rather than being stringified, which a deeply nested one would overflow.
    if (v === undefined || v === null || v === '' || typeof v === 'object') return whole;
    // Logins match emails case-insensitively, so the counter must too, or each casing gets its own budget.
    return param === 'email' ? String(v).toLowerCase() : String(v);
  });
}
