import fs from 'node:fs';
import path from 'node:path';
import type { Container } from '../container.ts';
import { AppwriteError } from '../errors/errors.ts';
import { KEY_SCOPES } from '../keys/keys.ts';
import { countProjects } from './projects.repository.ts';

/**
 * First start on an empty database: project `default` and one API key holding every scope. The
 * key is written to a 0600 file under the data dir; the caller prints its path.
 */
export async function bootstrapDefaultProject(c: Container): Promise<{ keyFile: string } | null> {
  if ((await countProjects(c.db)) > 0) return null;
  // Project and key in one transaction: a failure between them must not leave a project that the
  // next start takes as set up, with no key anywhere.
  let created;
  try {
    created = await c.db.transaction().execute(async (trx) => {
      const project = await c.projects.create('default', 'Default project', trx);
      const key = await c.keys.create({ projectId: project.id, id: 'default', name: 'Default key', scopes: [...KEY_SCOPES], expire: null }, trx);
      return { project, key };
    });
  } catch (err) {
    // Another process won the race; anything else (a lost connection, say) must stop the start.
    if (err instanceof AppwriteError && err.type === 'project_already_exists') return null;
    throw err;
  }
  const { project, key } = created;
  fs.mkdirSync(c.config.dataDir, { recursive: true });
  const keyFile = writeNewFile(c.config.dataDir, 'default-api-key', JSON.stringify({ projectId: project.id, keyId: key.id, secret: key.secret }, null, 2) + '\n');
  return { keyFile };
}

/**
 * Writes `<name>.json` (mode 0600) unless it exists, else `<name>-2.json`, `-3`, …: a data dir
 * shared by two databases (SQLite, then PostgreSQL) must not lose the first database's key.
 */
function writeNewFile(dir: string, name: string, content: string): string {
  for (let n = 1; ; n++) {
    const file = path.resolve(dir, n === 1 ? `${name}.json` : `${name}-${n}.json`);
    try {
      fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    fs.chmodSync(file, 0o600); // the umask may have narrowed it further; never wider
    return file;
  }
}
