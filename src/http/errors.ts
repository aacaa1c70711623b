import { SERVER_VERSION, type AppwriteError } from '../errors/errors.ts';

/** The error body on the wire: `{message, code, type, version}`. */
export function errorBody(err: AppwriteError) {
  return { message: err.message, code: err.code, type: err.type, version: SERVER_VERSION };
}
