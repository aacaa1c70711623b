import http from 'node:http';
import type { Socket } from 'node:net';
import { SERVER_VERSION } from '../errors/errors.ts';

/**
 * Answers a request Node's HTTP parser refused before any route saw it, in Appwrite's error shape
 * (an SDK reads `message` and `type` from every error body): a request that did not arrive in time
 * (408), headers over Node's 16 KiB (431), or bytes that are no HTTP (400). The connection closes.
 */
export function clientErrorHandler(requestTimeoutMs: number) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    // A reset connection is gone already; there is nobody to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let code = 400;
    let message = 'The request could not be read as HTTP.';
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      code = 408;
      message = `The request did not arrive within ${requestTimeoutMs / 1000} seconds.`;
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      code = 431;
      message = 'The request headers are larger than 16 KiB.';
    }
    if (socket.writable) {
      const body = JSON.stringify({ message, code, type: 'general_bad_request', version: SERVER_VERSION });
      socket.write(
        `HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Cache-Control: no-cache, no-store, must-revalidate\r\nExpires: 0\r\nPragma: no-cache\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}
