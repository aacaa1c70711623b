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
    return v === undefined || v === null || v === '' ? whole : String(v);
  });
}
