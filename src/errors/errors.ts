import { ERROR_CATALOGUE, type ErrorType } from './catalogue.ts';

export type { ErrorType };

/** The Appwrite server version Tessera answers as (error bodies, health). */
export const SERVER_VERSION = '1.9.6';

/** A failure with a stable Appwrite `type`; the HTTP status comes from the catalogue. */
export class AppwriteError extends Error {
  readonly type: ErrorType;
  readonly code: number;

  constructor(type: ErrorType, message?: string) {
    const [code, text] = ERROR_CATALOGUE[type];
    super(message ?? text);
    this.type = type;
    this.code = code;
  }
}

export function argumentInvalid(param: string, description: string): AppwriteError {
  return new AppwriteError('general_argument_invalid', `Invalid \`${param}\` param: ${description}`);
}

export function argumentMissing(param: string): AppwriteError {
  return new AppwriteError('general_argument_invalid', `Param "${param}" is not optional.`);
}
