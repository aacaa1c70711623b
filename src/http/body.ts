import type { FastifyInstance } from 'fastify';
import { AppwriteError } from '../errors/errors.ts';
import { MAX_INPUT_VARS, pairsEnd, parseQueryString } from './query-string.ts';

export const BODY_LIMIT = 1024 * 1024;

/**
 * The most object members a JSON body may hold, counted at every depth. JSON.parse pays ~2 µs a member
 * in a large object, so a 1 MB body of ~95k keys held the event loop ~200 ms; 10,000 costs ~20 ms and
 * still fits the largest legitimate body (64 kB of prefs holds at most ~11k members).
 */
export const MAX_JSON_MEMBERS = 10_000;
/**
 * The deepest nesting a JSON body may have: 500k nested arrays take JSON.parse ~150 ms. Twice PHP's
 * json_decode depth (512), so prefs nested 513 levels still get the prefs check's own answer.
 */
export const MAX_JSON_DEPTH = 1024;

/** Why JSON.parse would cost too much on this text (too many members, too deep), or null. One pass, no allocation. */
export function jsonCostProblem(text: string): string | null {
  let members = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a /* : */) {
      if (++members > MAX_JSON_MEMBERS) return `more than ${MAX_JSON_MEMBERS} object members`;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (c === 0x22 /* " */) {
      // Skip the string: to the next quote that no backslash escapes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    }
  }
  return null;
}

/** JSON and form bodies; anything else is ignored, as Appwrite ignores what it cannot read. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = (body as string).trim();
    if (!text) return done(null, {});
    const tooCostly = jsonCostProblem(text);
    if (tooCostly) return done(new AppwriteError('general_argument_invalid', `Invalid JSON body: ${tooCostly}.`), undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new AppwriteError('general_argument_invalid', 'Invalid JSON body.'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    // PHP would drop the pairs past max_input_vars; a body that long is no SDK's, so it is refused whole.
    if (pairsEnd(body as string) !== -1) {
      return done(new AppwriteError('general_argument_invalid', `Invalid form body: more than ${MAX_INPUT_VARS} parameters.`), undefined);
    }
    done(null, parseQueryString(body as string));
  });
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, _body, done) => done(null, {}));
}
