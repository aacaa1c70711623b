// Types for server.mjs (plain JavaScript so it runs with `node` and no build step).
import type http from 'node:http';

export interface LowcodeServerOptions {
  /** Tessera's API base, e.g. http://localhost:8080/v1. */
  endpoint: string;
  projectId?: string;
  /** Expected `iss` of the JWTs; defaults to `endpoint`. */
  issuer?: string;
}

export function createLowcodeServer(options: LowcodeServerOptions): http.Server;
