import type { FastifyInstance } from 'fastify';
import { AppwriteError } from '../errors/errors.ts';
import { parseQueryString } from './query-string.ts';

export const BODY_LIMIT = 1024 * 1024;

/** JSON and form bodies; anything else is ignored, as Appwrite ignores what it cannot read. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = (body as string).trim();
    if (!text) return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new AppwriteError('general_argument_invalid', 'Invalid JSON body.'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
    done(null, parseQueryString(body as string)),
  );
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, _body, done) => done(null, {}));
}

