/**
 * Appwrite's event names as webhooks see them: which patterns a webhook may subscribe to (Appwrite's
 * Event validator over app/config/events.php) and every name one event is delivered under
 * (Event::generateEvents: the concrete name and its wildcard variants).
 */

/** A node of the event tree: a resource (its ids go between its parts) or an action with attributes. */
interface Node {
  resource?: true;
  [child: string]: Node | true | undefined;
}

const crud = { create: {}, update: {}, delete: {} };
const res = (children: Record<string, Node>): Node => ({ resource: true, ...children });

/** app/config/events.php, structure only (Appwrite 1.9). */
const EVENT_TREE: Record<string, Node> = {
  users: res({
    sessions: res({ create: {}, delete: {} }),
    recovery: res({ create: {}, update: {} }),
    verification: res({ create: {}, update: {} }),
    targets: res({ ...crud }),
    tokens: res({ create: {} }),
    create: {},
    delete: {},
    update: { email: {}, name: {}, password: {}, status: {}, prefs: {}, phone: {}, mfa: {}, labels: {}, verification: {}, impersonator: {} },
  }),
  teams: res({ memberships: res({ create: {}, delete: {}, update: { status: {} } }), create: {}, delete: {}, update: { prefs: {} } }),
  ...Object.fromEntries(
    ['databases', 'tablesdb', 'documentsdb', 'vectorsdb'].map((db) => [
      db,
      res({
        ...(db === 'databases' || db === 'tablesdb'
          ? { tables: res({ rows: res({ ...crud, upsert: {} }), indexes: res({ ...crud }), columns: res({ ...crud }), ...crud }) }
          : {}),
        ...(db !== 'tablesdb'
          ? { collections: res({ documents: res({ ...crud, upsert: {} }), indexes: res({ ...crud }), attributes: res({ ...crud }), ...crud }) }
          : {}),
        ...crud,
      }),
    ]),
  ),
  buckets: res({ files: res({ ...crud }), ...crud }),
  sites: res({ deployments: res({ ...crud }), ...crud }),
  functions: res({ deployments: res({ ...crud }), executions: res({ ...crud }), ...crud }),
  messages: res({ create: {}, update: {} }),
  topics: res({ subscribers: res({ create: {}, delete: {} }), ...crud }),
  providers: res({ ...crud }),
  schedules: res({ create: {} }),
  rules: res({ ...crud }),
  reports: res({ insights: res({ ...crud }), ...crud }),
};

const child = (node: Node | undefined, key: string | false): Node | undefined => {
  if (!node || !key || key === 'resource' || !Object.hasOwn(node, key)) return undefined;
  const c = node[key];
  return typeof c === 'object' ? c : undefined;
};

/** Whether a webhook may subscribe to `pattern` (Appwrite's Event validator: 2 to 7 parts, known types, actions and attributes). */
export function isValidEventPattern(pattern: string): boolean {
  const parts = pattern.split('.');
  const count = parts.length;
  if (count < 2 || count > 7) return false;
  const [type, resource] = parts;
  if (!type || !resource) return false;
  const typeNode = child(EVENT_TREE, type);
  if (!typeNode) return false;
  const subNode = count > 3 && typeNode.resource ? child(typeNode, parts[2]) : undefined;
  const hasSub = !!subNode?.resource;
  const hasSubSub = count > 5 && hasSub && !!child(subNode, parts[4])?.resource;
  const action = !hasSub && count > 2 ? parts[2] : hasSubSub ? (parts[6] ?? false) : hasSub && count > 4 ? parts[4] : false;
  const attribute = hasSub && !hasSubSub && count === 6 ? parts[5] : !hasSub && count === 4 ? parts[3] : false;
  const scope = hasSub ? subNode! : typeNode;
  if (hasSub && !parts[3]) return false;
  const actionNode = action ? child(scope, action) : undefined;
  if (action && !actionNode) return false;
  if (attribute && !child(actionNode, attribute)) return false;
  return true;
}

/** The parts of a domain event name such as `users.[userId].sessions.[sessionId].create`. */
interface ParsedName {
  type: string;
  resource: string;
  subType?: string;
  subResource?: string;
  action?: string;
  attribute?: string;
}

function parseName(name: string): ParsedName {
  const parts = name.split('.');
  const [type, resource] = parts;
  if (parts.length > 3 && parts[3].startsWith('[')) {
    return { type, resource, subType: parts[2], subResource: parts[3], action: parts[4], attribute: parts[5] };
  }
  return { type, resource, action: parts[2], attribute: parts[3] };
}

/**
 * Every name an event is delivered under, concrete first, as Appwrite's generateEvents orders them:
 * for each shape (the full name, without its attribute, without its action, the bare resource) the
 * concrete ids, all ids as `*`, then each id alone as `*`.
 * `users.[userId].sessions.[sessionId].create` with U, S → `users.U.sessions.S.create`,
 * `users.*.sessions.*.create`, `users.U.sessions.*.create`, `users.*.sessions.S.create`, …, `users.*`.
 */
export function expandEvent(name: string, params: Record<string, string>): string[] {
  const p = parseName(name);
  const shapes: string[][] = [];
  if (p.action) {
    if (p.subResource) {
      if (p.attribute) shapes.push([p.type, p.resource, p.subType!, p.subResource, p.action, p.attribute]);
      shapes.push([p.type, p.resource, p.subType!, p.subResource, p.action]);
      shapes.push([p.type, p.resource, p.subType!, p.subResource]);
    } else {
      shapes.push([p.type, p.resource, p.action]);
    }
    if (p.attribute) shapes.push([p.type, p.resource, p.action, p.attribute]);
  }
  if (p.subResource) shapes.push([p.type, p.resource, p.subType!, p.subResource]);
  shapes.push([p.type, p.resource]);

  const keys: string[] = name.match(/\[[^\]]+\]/g) ?? [];
  const fill = (shape: string[], wild: Set<string>) => shape.map((part) => (keys.includes(part) ? (wild.has(part) ? '*' : String(params[part.slice(1, -1)] ?? '')) : part)).join('.');
  const out = new Set<string>();
  for (const shape of [...new Set(shapes.map((s) => s.join('.')))].map((s) => s.split('.'))) {
    out.add(fill(shape, new Set()));
    out.add(fill(shape, new Set(keys)));
    for (const key of keys) for (const other of keys) if (other !== key) out.add(fill(shape, new Set([other])));
  }
  return [...out];
}

/** The entity an event belongs to (`users.U`, `teams.T`): a receiver gets one entity's events in commit order. */
export function entityOf(name: string, params: Record<string, string>): string {
  const [type, resource] = name.split('.');
  return `${type}.${resource.startsWith('[') ? (params[resource.slice(1, -1)] ?? '') : resource}`;
}

/** The resource whose model an event carries: `users`, `users.sessions`, `teams.memberships`… */
export function resourceOf(name: string): string {
  const p = parseName(name);
  return p.subType ? `${p.type}.${p.subType}` : p.type;
}
