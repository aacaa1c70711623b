import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  publicUrl: string;
  smtpUrl: string | null;
  dataDir: string;
  abuseLimits: boolean;
  logLevel: string;
  /** Secret used to sign account JWTs; stored under the data dir when not given. */
  jwtSecret: string | null;
}

/** The only reader of process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = env.TESSERA_DATA_DIR || './data';
  const port = Number(env.TESSERA_PORT || 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`TESSERA_PORT is not a port: ${env.TESSERA_PORT}`);
  const abuse = (env.TESSERA_ABUSE_LIMITS || 'enabled').toLowerCase();
  if (abuse !== 'enabled' && abuse !== 'disabled') throw new Error('TESSERA_ABUSE_LIMITS must be "enabled" or "disabled"');
  return {
    port,
    host: env.TESSERA_HOST || '0.0.0.0',
    databaseUrl: env.TESSERA_DATABASE_URL || `sqlite:${path.join(dataDir, 'tessera.db')}`,
    publicUrl: env.TESSERA_PUBLIC_URL || `http://localhost:${port}`,
    smtpUrl: env.TESSERA_SMTP_URL || null,
    dataDir,
    abuseLimits: abuse === 'enabled',
    logLevel: env.TESSERA_LOG_LEVEL || 'info',
    jwtSecret: env.TESSERA_JWT_SECRET || null,
  };
}
