import type { Container } from '../container.ts';
import { EXPIRE_DESCRIPTION, KEY_SCOPES, parseExpire } from '../keys/keys.ts';
import { keyModel } from '../schemas/models.ts';
import { AppwriteError, argumentInvalid } from '../errors/errors.ts';
import { uniqueId } from '../support/ids.ts';

export async function keysCreate(c: Container, o: { project: string; name: string; scopes: string; id?: string; expire?: string }) {
  if (!(await c.projects.get(o.project))) throw new AppwriteError('project_not_found');
  const scopes = o.scopes.trim() === '*' ? [...KEY_SCOPES] : o.scopes.split(',').map((s) => s.trim()).filter(Boolean);
  let expire: number | null = null;
  if (o.expire) {
    expire = parseExpire(o.expire);
    if (expire === null) throw argumentInvalid('expire', EXPIRE_DESCRIPTION);
  }
  const key = await c.keys.create({ projectId: o.project, id: o.id ?? uniqueId(c.clock, c.random), name: o.name, scopes, expire });
  return keyModel(key);
}
