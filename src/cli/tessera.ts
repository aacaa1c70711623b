import { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { createContainer, type Container } from '../container.ts';
import { projectsCreate } from './projects-create.ts';
import { keysCreate } from './keys-create.ts';
import { keysList } from './keys-list.ts';
import { keysDelete } from './keys-delete.ts';
import { platformsCreate, type PlatformsCreateOptions } from './platforms-create.ts';
import { AppwriteError } from '../errors/errors.ts';
import { jwtRotate } from './jwt-rotate.ts';
import { webhooksCreate, type WebhooksCreateOptions } from './webhooks-create.ts';
import { webhooksList } from './webhooks-list.ts';
import { webhooksDelete } from './webhooks-delete.ts';

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
keys
  .command('list')
  .description('list a project\'s keys (secrets are stored hashed and never shown again)')
  .requiredOption('--project <id>', 'project id')
  .action((o: { project: string }) => withContainer((c) => keysList(c, o)));
keys
  .command('delete')
  .description('delete a key: running servers refuse it at once')
  .requiredOption('--project <id>', 'project id')
  .requiredOption('--id <id>', 'key id')
  .action((o: { project: string; id: string }) => withContainer((c) => keysDelete(c, o)));

const platforms = program.command('platforms').description('manage platforms (web hostnames are the allowed browser origins)');
platforms
  .command('create')
  .requiredOption('--project <id>', 'project id')
  .requiredOption('--name <name>', 'platform name')
  .option('--type <type>', 'web, apple, android, windows or linux', 'web')
  .option('--hostname <hostname>', 'web: hostname without scheme, port or path (app.example.com, *.example.com)')
  .option('--bundle-id <id>', 'apple: bundle identifier')
  .option('--application-id <id>', 'android: application id')
  .option('--package-identifier-name <name>', 'windows: package identifier name')
  .option('--package-name <name>', 'linux: package name')
  .option('--id <id>', 'platform id (default: generated)')
  .action((o: PlatformsCreateOptions) => withContainer((c) => platformsCreate(c, o)));

const jwt = program.command('jwt').description('account JWT signing keys (published at /v1/.well-known/jwks.json)');
jwt
  .command('rotate')
  .description('add a new signing key; the previous one keeps verifying until its tokens have expired')
  .action(() => withContainer((c) => jwtRotate(c)));
const webhooks = program.command('webhooks').description('manage webhooks (signed POSTs of a project\'s events)');
webhooks
  .command('create')
  .requiredOption('--project <id>', 'project id')
  .requiredOption('--name <name>', 'webhook name')
  .requiredOption('--url <url>', 'receiver URL (http or https; public unless TESSERA_WEBHOOK_ALLOW_PRIVATE=true)')
  .requiredOption('--events <events>', "comma-separated Appwrite event patterns, e.g. 'users.*.create,users.*.verification.*.create'")
  .option('--id <id>', 'webhook id (default: generated)')
  .option('--secret <secret>', 'signing secret, 8-256 chars (default: 128 random hex chars)')
  .option('--auth-username <name>', 'HTTP basic auth user')
  .option('--auth-password <password>', 'HTTP basic auth password')
  .option('--no-tls', "don't verify the receiver's TLS certificate")
  .option('--disabled', 'create it disabled')
  .action((o: WebhooksCreateOptions) => withContainer((c) => webhooksCreate(c, o)));
webhooks
  .command('list')
  .description("list a project's webhooks with their failure counts and last failure (signing secrets are not shown)")
  .requiredOption('--project <id>', 'project id')
  .action((o: { project: string }) => withContainer((c) => webhooksList(c, o)));
webhooks
  .command('delete')
  .description('delete a webhook: its pending deliveries are dropped')
  .requiredOption('--project <id>', 'project id')
  .requiredOption('--id <id>', 'webhook id')
  .action((o: { project: string; id: string }) => withContainer((c) => webhooksDelete(c, o)));

await program.parseAsync(process.argv);
