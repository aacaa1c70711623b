import { configWarnings, loadConfig } from './config.ts';
import { createContainer } from './container.ts';
import { buildApp } from './app.ts';
import { bootstrapDefaultProject } from './projects/bootstrap.ts';

async function main() {
  const config = loadConfig();
  const container = await createContainer(config);
  for (const warning of configWarnings(config)) container.logger.warn(warning);
  const boot = await bootstrapDefaultProject(container);
  const app = await buildApp(container);
  container.maintenance.start();
  container.outbox.start();
  await app.listen({ port: config.port, host: config.host });
  const log = container.logger;
  if (boot) log.info({ keyFile: boot.keyFile }, `created project "default" and an API key with every scope; key written to ${boot.keyFile}`);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info(`Tessera listening on http://${config.host}:${port}/v1 (${container.database.dialect})`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'draining');
    const timer = setTimeout(() => process.exit(1), 10_000).unref();
    await app.close();
    await container.close();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('Tessera could not start:', err);
  process.exit(1);
});
