import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppwriteError, SERVER_VERSION } from '../errors/errors.ts';

/** The error body on the wire: `{message, code, type, version}`. */
export function errorBody(err: AppwriteError) {
  return { message: err.message, code: err.code, type: err.type, version: SERVER_VERSION };
}

export function setRateHeaders(reply: { header(k: string, v: string): unknown }, v: { limit: number; remaining: number; reset: number }) {
  reply.header('X-RateLimit-Limit', String(v.limit));
  reply.header('X-RateLimit-Remaining', String(v.remaining));
  reply.header('X-RateLimit-Reset', String(v.reset));
}

/**
 * Status codes whose message Appwrite shows; any other becomes 500 "Server Error" (general.php:1469-1490).
 * Tessera also shows 424 (an OAuth2 provider failed, e.g. a refresh while the IdP is down): Appwrite
 * masks it as a 500, but the fault is the provider's, and a 500 here would read as a Tessera bug.
 */
const PUBLIC_CODES = new Set([400, 401, 402, 403, 404, 405, 408, 409, 410, 412, 416, 422, 424, 429, 451, 501, 503]);

/** Every error response: the Appwrite error body, never cached (general.php:1526-1530). */
export function sendError(reply: FastifyReply, err: AppwriteError) {
  reply
    .code(err.code)
    .header('Cache-Control', 'no-cache, no-store, must-revalidate')
    .header('Expires', '0')
    .header('Pragma', 'no-cache')
    .type('application/json; charset=UTF-8')
    .send(errorBody(err));
}

/**
 * Known failures keep their type; Fastify's own 4xx become general_argument_invalid; anything else
 * is 500 general_unknown "Server Error", as Appwrite wraps and masks it (general.php:1465-1490).
 */
export function toAppwriteError(err: FastifyError | AppwriteError | Error): AppwriteError {
  if (err instanceof AppwriteError) return PUBLIC_CODES.has(err.code) ? err : new AppwriteError(err.type, 'Server Error');
  const status = (err as FastifyError).statusCode ?? 500;
  if (status === 413) return new AppwriteError('general_argument_invalid', 'Request body is too large.');
  if (status >= 400 && status < 500) return new AppwriteError('general_argument_invalid', err.message);
  return new AppwriteError('general_unknown', 'Server Error');
}

/** The app's error handler: unknown errors are logged and answered 500; abuse verdicts keep their headers. */
export function handleError(err: FastifyError | AppwriteError, req: FastifyRequest, reply: FastifyReply) {
  const appErr = toAppwriteError(err);
  if (appErr.code >= 500) req.log.error({ err, reqId: req.id }, 'unhandled error');
  const rate = (err as { rateLimit?: { limit: number; remaining: number; reset: number } }).rateLimit;
  if (rate) setRateHeaders(reply, rate);
  sendError(reply, appErr);
}
