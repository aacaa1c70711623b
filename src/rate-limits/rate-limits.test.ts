import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { abuseKey, clientNetwork } from './rate-limits.ts';

describe('abuse keys', () => {
  it('count an IPv6 client by its /64, however the address is written', () => {
    for (const ip of ['2001:db8:1:2:3:4:5:6', '2001:0DB8:0001:0002::1', '2001:db8:1:2:ffff::', '2001:db8:1:2::192.0.2.1']) {
      assert.equal(clientNetwork(ip), '2001:db8:1:2::/64', ip);
    }
    assert.equal(clientNetwork('2001:db8:1:3::1'), '2001:db8:1:3::/64');
    assert.equal(clientNetwork('::1'), '0:0:0:0::/64');
  });

  it('count an IPv4-mapped IPv6 address as its IPv4 address, and IPv4 as itself', () => {
    for (const ip of ['::ffff:198.51.100.9', '::FFFF:c633:6409', '0:0:0:0:0:ffff:198.51.100.9', '198.51.100.9']) assert.equal(clientNetwork(ip), '198.51.100.9', ip);
  });

  it('fill {ip} with the network', () => {
    const ctx = { url: '/v1/account', ip: '2001:db8:9:9::42', userId: '', params: {} };
    assert.equal(abuseKey('url:{url},ip:{ip}', ctx), 'url:/v1/account,ip:2001:db8:9:9::/64');
  });
});
