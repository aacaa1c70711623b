import net from 'node:net';

/** One abuse rule of a route: `key` uses {url}, {ip}, {userId} and {param-<name>} placeholders. */
export interface AbuseRule {
  limit: number;
  period: number;
  key: string;
}

/** A counter's value in its current window, and when that window ends (epoch seconds). */
export interface WindowCount {
  count: number;
  reset: number;
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
    if (name === 'ip') return clientNetwork(ctx.ip);
    if (name === 'userId') return ctx.userId || whole;
    const v = ctx.params[param!];
    // Counted before validation: an array or object param (which validation then refuses) keeps the
    // placeholder rather than being stringified, which a deeply nested one would overflow.
    if (v === undefined || v === null || v === '' || typeof v === 'object') return whole;
    // Logins match emails case-insensitively, so the counter must too, or each casing gets its own budget.
    return param === 'email' || param === 'identifier' ? String(v).toLowerCase() : String(v);
  });
}

/**
 * The address an abuse key counts: an IPv6 client by its /64 (one subscriber usually holds a whole
 * /64, so counting single addresses would give it 2^64 budgets); an IPv4-mapped IPv6 address is its
 * IPv4 address.
 */
export function clientNetwork(ip: string): string {
  if (net.isIPv4(ip)) return ip;
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!net.isIPv6(bare)) return ip;
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const [hi, lo] = [parseInt(groups[6], 16), parseInt(groups[7], 16)];
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function ipv6Groups(ip: string): string[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}
