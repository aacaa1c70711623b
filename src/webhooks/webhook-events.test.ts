import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entityOf, expandEvent, isValidEventPattern, resourceOf } from './webhook-events.ts';

describe('webhook event patterns (Appwrite Event validator)', () => {
  it('accepts the documented auth patterns, wildcards and ids alike', () => {
    for (const p of [
      'users.*', 'users.U1', 'users.*.create', 'users.*.delete', 'users.*.update', 'users.*.update.email', 'users.U1.update.prefs',
      'users.*.sessions.*', 'users.*.sessions.*.create', 'users.[userId].sessions.*.create', 'users.*.verification.*.create',
      'users.*.recovery.*.update', 'users.*.tokens.*.create', 'users.*.targets.*.delete',
      'teams.*', 'teams.*.update.prefs', 'teams.*.memberships.*', 'teams.*.memberships.*.update.status', 'databases.*.collections.*.documents.*.create',
    ]) assert.equal(isValidEventPattern(p), true, p);
  });

  it('refuses unknown types, actions, attributes and shapes', () => {
    for (const p of [
      'users', '', 'accounts.*', 'users.*.explode', 'users.*.update.colour', 'users.*.sessions.*.update', 'users.*.tokens.*.delete',
      'webhooks.*', 'keys.*', 'users..create', 'users.*.sessions..create', 'a.b.c.d.e.f.g.h', 'teams.*.memberships.*.update.prefs',
    ]) assert.equal(isValidEventPattern(p), false, p);
  });
});

describe('the names one event is delivered under (Appwrite generateEvents)', () => {
  it('a session create goes under its concrete name, every wildcard variant and its parents, concrete first', () => {
    const names = expandEvent('users.[userId].sessions.[sessionId].create', { userId: 'U', sessionId: 'S' });
    assert.deepEqual(names, [
      'users.U.sessions.S.create', 'users.*.sessions.*.create', 'users.U.sessions.*.create', 'users.*.sessions.S.create',
      'users.U.sessions.S', 'users.*.sessions.*', 'users.U.sessions.*', 'users.*.sessions.S',
      'users.U', 'users.*',
    ]);
  });

  it('an update with an attribute also goes under the names without it (Appwrite lists the action first)', () => {
    assert.deepEqual(expandEvent('users.[userId].update.email', { userId: 'U' }), [
      'users.U.update', 'users.*.update', 'users.U.update.email', 'users.*.update.email', 'users.U', 'users.*',
    ]);
  });

  it('a verification token matches users.*.verification.*.create', () => {
    assert.ok(expandEvent('users.[userId].verification.[tokenId].create', { userId: 'U', tokenId: 'T' }).includes('users.*.verification.*.create'));
  });

  it('entity and resource: a user\'s session events belong to the user, carry the session model', () => {
    assert.equal(entityOf('users.[userId].sessions.[sessionId].create', { userId: 'U', sessionId: 'S' }), 'users.U');
    assert.equal(resourceOf('users.[userId].sessions.[sessionId].create'), 'users.sessions');
    assert.equal(resourceOf('users.[userId].update.email'), 'users');
    assert.equal(resourceOf('teams.[teamId].memberships.[membershipId].update.status'), 'teams.memberships');
  });
});
