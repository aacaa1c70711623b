import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rolesOf, roleSubjectOf } from './roles.ts';

const alice = { id: 'alice', emailVerification: false, phoneVerification: false, labels: [] };

describe('rolesOf (Appwrite User::getRoles)', () => {
  it('an unverified user holds any, user:ID, users and the unverified dimensions, in Appwrite order', () => {
    assert.deepEqual(rolesOf(alice, []), ['any', 'user:alice', 'users', 'user:alice/unverified', 'users/unverified']);
  });

  it('a verified email or a verified phone each make the user verified', () => {
    for (const flags of [{ emailVerification: true }, { phoneVerification: true }]) {
      const roles = rolesOf({ ...alice, ...flags }, []);
      assert.ok(roles.includes('user:alice/verified') && roles.includes('users/verified'));
      assert.ok(!roles.some((r) => r.endsWith('/unverified')));
    }
  });

  it('a confirmed membership gives team:T, member:M and team:T/R per role; a pending one gives nothing', () => {
    const roles = rolesOf(alice, [
      { id: 'm1', teamId: 'sales', roles: ['owner', 'admin'], confirmed: true },
      { id: 'm2', teamId: 'secret', roles: ['admin'], confirmed: false },
    ]);
    assert.deepEqual(roles.slice(5), ['team:sales', 'member:m1', 'team:sales/owner', 'team:sales/admin']);
    assert.ok(!roles.some((r) => r.includes('secret') || r === 'member:m2'));
  });

  it('labels become label:NAME after the team roles', () => {
    const roles = rolesOf({ ...alice, labels: ['vip', 'beta'] }, [{ id: 'm1', teamId: 't', roles: [], confirmed: true }]);
    assert.deepEqual(roles.slice(-4), ['team:t', 'member:m1', 'label:vip', 'label:beta']);
  });

  it('reads a users row: 0/1 flags and a JSON label list (an unreadable list gives no labels)', () => {
    assert.deepEqual(roleSubjectOf({ id: 'u', email_verification: 1, phone_verification: 0, labels: '["a"]' }), {
      id: 'u', emailVerification: true, phoneVerification: false, labels: ['a'],
    });
    assert.deepEqual(roleSubjectOf({ id: 'u', email_verification: 0, phone_verification: 0, labels: 'not json' }).labels, []);
  });
});
