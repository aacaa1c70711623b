import type { FastifyRequest } from 'fastify';
import { DEFAULT_LOCALE, LOCALES } from '../messaging/messaging.ts';

const KNOWN = new Set<string>(LOCALES);

/**
 * The language a request's messages are written in: X-Appwrite-Locale when it names one of
 * Appwrite's locale codes, else `en` (Appwrite's general.php takes only a listed code).
 */
export function localeOf(req: FastifyRequest): string {
  const locale = req.headers['x-appwrite-locale'];
  return typeof locale === 'string' && KNOWN.has(locale) ? locale : DEFAULT_LOCALE;
}
