import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DomainEvent } from '../events/events.ts';
import { WebhookModels } from './webhook-payloads.ts';

/** A teams event as the teams feature will emit it (not in EventParams yet: the registry is keyed by resource, not by name). */
const teamEvent = (payload: unknown) => ({ name: 'teams.[teamId].create', projectId: 'p', params: { teamId: 't1' }, payload }) as unknown as DomainEvent;

describe('webhook payload registry', () => {
  it('an unregistered resource sends a payload that is already a model, and never a raw row', async () => {
    const models = new WebhookModels();
    const build = models.get('teams').build;
    assert.deepEqual(await build(null as never, teamEvent({ $id: 't1', name: 'Team' })), { $id: 't1', name: 'Team' });
    assert.deepEqual(await build(null as never, teamEvent({ id: 't1', secret_hash: 'abc' })), {});
    assert.equal(models.get('teams').secret, undefined);
  });

  it('a domain registers how its rows become models, and whether they hold a secret', async () => {
    const models = new WebhookModels();
    models.register('teams', { build: async (_trx, e) => ({ $id: (e.payload as { id: string }).id, total: 0 }) });
    models.register('teams.invites', { build: async () => ({}), secret: true });
    assert.deepEqual(await models.get('teams').build(null as never, teamEvent({ id: 't1', secret_hash: 'abc' })), { $id: 't1', total: 0 });
    assert.equal(models.get('teams.invites').secret, true);
  });
});
