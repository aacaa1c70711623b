import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { guardedLookup, isPrivateAddress, publicUrlProblem } from './address-guard.ts';

describe('webhook address guard (SSRF)', () => {
  it('loopback, private, link-local, metadata, CGNAT and unspecified addresses are not public, in both families', () => {
    for (const a of [
      '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:7f00:1',
      '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', 'not-an-ip',
    ]) assert.equal(isPrivateAddress(a), true, a);
  });

  it('public addresses are public', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPrivateAddress(a), false, a);
  });

  it('a URL to a private literal or localhost is refused when saved', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'https://[::1]/x', 'http://169.254.169.254/latest/meta-data', 'http://localhost/hook', 'http://api.localhost/hook']) {
      assert.ok(await publicUrlProblem(url), url);
    }
    assert.equal(await publicUrlProblem('https://93.184.215.14/hook'), null);
  });

  it('the connect-time lookup refuses a name that resolves only to private addresses, unless private targets are allowed', async () => {
    const lookup = (allow: boolean) =>
      new Promise<{ err: Error | null; address: unknown }>((resolve) => guardedLookup(allow)('localhost', {}, (err, address) => resolve({ err, address })));
    const refused = await lookup(false);
    assert.match(String(refused.err?.message), /not public/);
    const allowed = await lookup(true);
    assert.equal(allowed.err, null);
    assert.ok(isPrivateAddress(String(allowed.address)));
  });
});
