import fs from 'node:fs';
import path from 'node:path';
import type { Container } from '../container.ts';
import { KEY_SCOPES } from '../keys/keys.ts';
import { countProjects } from './projects.repository.ts';

/**
 * First start on an empty database: project `default` and one API key holding every scope. The
 * key is written to a 0600 file under the data dir; the caller prints its path.
 */
export async function bootstrapDefaultProject(c: Container): Promise<{ keyFile: string } | null> {
  if ((await countProjects(c.db)) > 0) return null;
  let project;
  try {
    project = await c.projects.create('default', 'Default project');
  } catch {
    return null; // another process won the race
  }
  const key = await c.keys.create({ projectId: project.id, id: 'default', name: 'Default key', scopes: [...KEY_SCOPES], expire: null });
  fs.mkdirSync(c.config.dataDir, { recursive: true });
  const keyFile = path.resolve(c.config.dataDir, 'default-api-key.json');
  fs.writeFileSync(keyFile, JSON.stringify({ projectId: project.id, keyId: key.id, secret: key.secret }, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(keyFile, 0o600);
  return { keyFile };
}
