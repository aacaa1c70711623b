// Appwrite's request bodies and query strings as PHP reads them: bracketed keys become arrays.

const MAX_INPUT_NESTING = 64;
/**
 * PHP's max_input_vars (1000 by default). A form body with more pairs is refused before it is read
 * (body.ts): every pair of a 1 MB body (~110k keys) held the event loop for hundreds of milliseconds.
 * A query string needs no such count: Node refuses headers over 16 KiB, so it has a few thousand at most.
 */
export const MAX_INPUT_VARS = 1000;
/**
 * The most bracketed levels all keys together may open; keys past it are dropped, as keys nested past
 * MAX_INPUT_NESTING are. Each level is a node to build and compact: 1000 keys 64 deep took ~150 ms.
 */
export const MAX_INPUT_LEVELS = 8192;

/**
 * One bracketed level while parsing: its values by index. Not a sparse array: `a[1000][1000]…` would
 * allocate 1,001 slots at every level, so a 1 MB form body could take ~800 MB and a second of CPU.
 */
class Slots {
  readonly items = new Map<number, unknown>();
  /** Where `[]` appends: one past the highest index, as PHP. */
  next = 0;
  set(idx: number, value: unknown): void {
    this.items.set(idx, value);
    if (idx >= this.next) this.next = idx + 1;
  }
}

/** Where the pair after the first `max` pairs starts, or -1 when there are no more than `max`. */
export function pairsEnd(qs: string, max = MAX_INPUT_VARS): number {
  let at = -1;
  for (let pairs = 1; pairs <= max; pairs++) {
    at = qs.indexOf('&', at + 1);
    if (at === -1) return -1;
  }
  return at;
}

/**
 * The bracketed segments of a key from its first `[`: `[0][a][]` → ['0', 'a', '']. As PHP, parsing
 * stops at the first character that does not open a segment or at an unclosed `[`. One pass, and
 * null past MAX_INPUT_NESTING segments, so neither `[[[[…` nor `[][][]…` costs more than the key's length.
 */
function bracketPath(key: string, from: number): string[] | null {
  const path: string[] = [];
  let at = from;
  while (key.charCodeAt(at) === 0x5b /* [ */) {
    const close = key.indexOf(']', at + 1);
    if (close === -1) break;
    if (path.length === MAX_INPUT_NESTING) return null;
    path.push(key.slice(at + 1, close));
    at = close + 1;
  }
  return path;
}

/** Parses `a=1&queries[0]=x&queries[1]=y&nested[0][1]=z` the way Appwrite's PHP side reads it, in time linear in the input. */
export function parseQueryString(qs: string): Record<string, unknown> {
  const out: Record<string, any> = {};
  let levels = 0;
  for (const [rawKey, value] of new URLSearchParams(qs)) {
    const bracket = rawKey.indexOf('[');
    if (bracket <= 0) {
      out[rawKey] = value;
      continue;
    }
    const base = rawKey.slice(0, bracket);
    const path = bracketPath(rawKey, bracket);
    // As PHP (max_input_nesting_level): a key nested deeper is dropped, so compact() cannot overflow
    // the stack; `__proto__` would set the result's prototype instead of a param.
    if (path === null || base === '__proto__' || (levels += path.length) > MAX_INPUT_LEVELS) continue;
    if (!(out[base] instanceof Slots)) out[base] = new Slots();
    let node: Slots = out[base];
    for (let i = 0; i < path.length; i++) {
      const last = i === path.length - 1;
      const idx = path[i] === '' ? node.next : Number(path[i]);
      if (!Number.isInteger(idx) || idx < 0 || idx > 1000) break;
      if (last) {
        node.set(idx, value);
      } else {
        let child = node.items.get(idx);
        if (!(child instanceof Slots)) node.set(idx, (child = new Slots()));
        node = child as Slots;
      }
    }
  }
  for (const k of Object.keys(out)) if (out[k] instanceof Slots) out[k] = compact(out[k]);
  return out;
}

/** The values in index order, gaps closed (PHP arrays read as lists). */
function compact(node: Slots): unknown[] {
  return [...node.items.keys()].sort((a, b) => a - b).map((k) => {
    const v = node.items.get(k);
    return v instanceof Slots ? compact(v) : v;
  });
}
