import { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { createContainer, type Container } from '../container.ts';
import { projectsCreate } from './projects-create.ts';
import { keysCreate } from './keys-create.ts';
import { AppwriteError } from '../http/errors.ts';

/** Opens the configured database (running migrations), runs one command, closes it. */
async function withContainer<T>(fn: (c: Container) => Promise<T>): Promise<void> {
  const container = await createContainer(loadConfig(), { logger: pino({ level: 'silent' }) });
  try {
    const out = await fn(container);
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } catch (err) {
    if (err instanceof AppwriteError) {
      process.stderr.write(`${err.type}: ${err.message}\n`);
      process.exitCode = 1;
    } else throw err;
  } finally {
    await container.close();
  }
}

const program = new Command().name('tessera').description('Tessera administration (works on TESSERA_DATABASE_URL while the server runs)');

const projects = program.command('projects').description('manage projects');
projects
  .command('create')
  .requiredOption('--id <id>', 'project id (1-36 chars: a-z A-Z 0-9 . - _)')
  .requiredOption('--name <name>', 'project name')
  .action((o: { id: string; name: string }) => withContainer((c) => projectsCreate(c, o)));

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .requiredOption('--project <id>', 'project id')
  .requiredOption('--name <name>', 'key name')
  .option('--scopes <scopes>', "'*' for every scope, or a comma-separated list", '*')
  .option('--id <id>', 'key id (default: generated)')
  .option('--expire <iso>', 'expiry date (ISO 8601); default never')
  .action((o: { project: string; name: string; scopes: string; id?: string; expire?: string }) => withContainer((c) => keysCreate(c, o)));

await program.parseAsync(process.argv);
