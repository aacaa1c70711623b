// Types for client.mjs (plain JavaScript so it runs with `node` and no build step).
import type { Client, Models } from 'node-appwrite';

export class LoginError extends Error {
  status: number;
  constructor(message: string, status: number);
}

export interface TesseraTarget {
  endpoint?: string;
  project?: string;
}

export function requestToken(loginServerUrl: string, username: string, password: string): Promise<{ userId: string; secret: string }>;
export function exchangeToken(
  token: { userId: string; secret: string },
  target: Required<TesseraTarget>,
): Promise<{ session: Models.Session; sessionSecret: string }>;
export function login(
  loginServerUrl: string,
  username: string,
  password: string,
  target?: TesseraTarget,
): Promise<{ user: Models.User<Models.Preferences>; session: Models.Session; sessionSecret: string; client: Client }>;
