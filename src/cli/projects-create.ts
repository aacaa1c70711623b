import type { Container } from '../container.ts';
import { formatDate } from '../support/clock.ts';
import { argumentInvalid } from '../errors/errors.ts';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$/;

export async function projectsCreate(c: Container, o: { id: string; name: string }) {
  if (!ID_RE.test(o.id) || o.id === 'console') throw argumentInvalid('id', 'Project id must be 1-36 chars of a-z, A-Z, 0-9, period, hyphen, underscore.');
  if (!o.name || o.name.length > 128) throw argumentInvalid('name', 'Value must be a valid string and at least 1 chars and no longer than 128 chars');
  const p = await c.projects.create(o.id, o.name);
  return { $id: p.id, $createdAt: formatDate(p.createdAt), $updatedAt: formatDate(p.updatedAt), name: p.name };
}
