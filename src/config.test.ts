import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configWarnings, loadConfig } from './config.ts';

describe('config from the environment', () => {
  it('defaults to a SQLite file under the data dir', () => {
    assert.equal(loadConfig({}).databaseUrl, 'sqlite:data/tessera.db');
    assert.equal(loadConfig({ TESSERA_DATA_DIR: '/srv/tessera' }).databaseUrl, 'sqlite:/srv/tessera/tessera.db');
  });

  it('takes sqlite:, postgres:// and postgresql:// URLs and plain file paths', () => {
    for (const url of ['sqlite:./x.db', 'postgres://u@h/db', 'postgresql://u@h/db', 'POSTGRES://u@h/db', './data/x.db', '/var/lib/x.db']) {
      assert.equal(loadConfig({ TESSERA_DATABASE_URL: url }).databaseUrl, url);
    }
  });

  it('refuses a URL of another scheme instead of creating a SQLite file named after it', () => {
    for (const url of ['postgress://u@h/db', 'mysql://u@h/db', 'file:x.db']) {
      assert.throws(() => loadConfig({ TESSERA_DATABASE_URL: url }), /TESSERA_DATABASE_URL must be/);
    }
  });

  it('refuses a port or abuse setting it does not understand', () => {
    assert.throws(() => loadConfig({ TESSERA_PORT: '70000' }), /TESSERA_PORT/);
    assert.throws(() => loadConfig({ TESSERA_ABUSE_LIMITS: 'off' }), /TESSERA_ABUSE_LIMITS/);
  });

  describe('the JWT signing secret', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-config-'));

    it('TESSERA_JWT_SECRET and TESSERA_JWT_SECRET_FILE no longer stop a start: they are only named for a warning', () => {
      assert.equal(loadConfig({}).deprecatedJwtSecret, null);
      assert.equal(loadConfig({ TESSERA_JWT_SECRET: 'short' }).deprecatedJwtSecret, 'TESSERA_JWT_SECRET');
      assert.equal(loadConfig({ TESSERA_JWT_SECRET_FILE: path.join(dir, 'absent') }).deprecatedJwtSecret, 'TESSERA_JWT_SECRET_FILE');
    });
  });

  describe('TESSERA_TRUST_PROXY', () => {
    it('true is accepted but warned about at start: any client could choose its address', () => {
      const [warning, ...rest] = configWarnings(loadConfig({ TESSERA_TRUST_PROXY: 'true' }));
      assert.deepEqual(rest, []);
      assert.match(warning, /TESSERA_TRUST_PROXY=true trusts X-Forwarded-For from any client/);
      assert.match(warning, /TESSERA_TRUST_PROXY=127\.0\.0\.1/);
    });

    it('the proxies\' addresses or CIDRs, or nothing, start without a warning', () => {
      for (const v of ['127.0.0.1', '10.0.0.0/8,172.16.0.0/12', 'false', '']) {
        assert.deepEqual(configWarnings(loadConfig({ TESSERA_TRUST_PROXY: v })), [], v);
      }
      assert.equal(loadConfig({ TESSERA_TRUST_PROXY: '10.0.0.0/8' }).trustProxy, '10.0.0.0/8');
      assert.equal(loadConfig({}).trustProxy, false);
    });

    it('a hop count is refused at start (Fastify would trust no proxy on it)', () => {
      assert.throws(() => loadConfig({ TESSERA_TRUST_PROXY: '1' }), /addresses or CIDRs .* not a hop count/);
    });
  });

  it('the session cache holds about 32 MB unless TESSERA_SESSION_CACHE_MB says otherwise (0: off)', () => {
    assert.equal(loadConfig({}).sessionCacheMb, 32);
    assert.equal(loadConfig({ TESSERA_SESSION_CACHE_MB: '0' }).sessionCacheMb, 0);
    assert.equal(loadConfig({ TESSERA_SESSION_CACHE_MB: '256' }).sessionCacheMb, 256);
    for (const bad of ['-1', '1.5', 'lots']) assert.throws(() => loadConfig({ TESSERA_SESSION_CACHE_MB: bad }), /TESSERA_SESSION_CACHE_MB/);
  });

  it('audit log entries are kept 90 days unless TESSERA_AUDIT_RETENTION_DAYS says otherwise', () => {
    assert.equal(loadConfig({}).auditRetentionDays, 90);
    assert.equal(loadConfig({ TESSERA_AUDIT_RETENTION_DAYS: '7' }).auditRetentionDays, 7);
    for (const bad of ['0', '-1', '1.5', 'forever']) assert.throws(() => loadConfig({ TESSERA_AUDIT_RETENTION_DAYS: bad }), /TESSERA_AUDIT_RETENTION_DAYS/);
  });
});

describe('messaging settings', () => {
  it('mail is from TESSERA_SMTP_SENDER, "Tessera <no-reply@localhost>" unless set; a malformed sender is refused', () => {
    assert.equal(loadConfig({}).smtpSender, 'Tessera <no-reply@localhost>');
    assert.equal(loadConfig({ TESSERA_SMTP_SENDER: 'Acme <auth@acme.test>' }).smtpSender, 'Acme <auth@acme.test>');
    assert.equal(loadConfig({ TESSERA_SMTP_SENDER: 'auth@acme.test' }).smtpSender, 'auth@acme.test');
    assert.throws(() => loadConfig({ TESSERA_SMTP_SENDER: 'Acme' }), /TESSERA_SMTP_SENDER/);
  });

  it('no SMS provider unless configured; TESSERA_SMS_WEBHOOK_URL alone selects the webhook provider', () => {
    assert.equal(loadConfig({}).sms, null);
    assert.deepEqual(loadConfig({ TESSERA_SMS_WEBHOOK_URL: 'http://127.0.0.1:9/sms' }).sms, { provider: 'webhook', url: 'http://127.0.0.1:9/sms' });
    assert.throws(() => loadConfig({ TESSERA_SMS_PROVIDER: 'webhook' }), /TESSERA_SMS_WEBHOOK_URL must be an http\(s\) URL/);
    assert.throws(() => loadConfig({ TESSERA_SMS_PROVIDER: 'carrier-pigeon' }), /TESSERA_SMS_PROVIDER must be/);
  });

  it('the Twilio provider needs its account, token and sender, and talks to api.twilio.com unless told otherwise', () => {
    const env = { TESSERA_SMS_PROVIDER: 'twilio', TESSERA_SMS_TWILIO_ACCOUNT_SID: 'AC1', TESSERA_SMS_TWILIO_AUTH_TOKEN: 'tok', TESSERA_SMS_TWILIO_FROM: '+15550001111' };
    assert.deepEqual(loadConfig(env).sms, { provider: 'twilio', accountSid: 'AC1', authToken: 'tok', from: '+15550001111', baseUrl: 'https://api.twilio.com' });
    assert.equal((loadConfig({ ...env, TESSERA_SMS_TWILIO_BASE_URL: 'http://127.0.0.1:8/' }).sms as { baseUrl: string }).baseUrl, 'http://127.0.0.1:8');
    assert.throws(() => loadConfig({ ...env, TESSERA_SMS_TWILIO_AUTH_TOKEN: '' }), /needs TESSERA_SMS_TWILIO_AUTH_TOKEN/);
  });

  it('OAuth2 providers need https unless TESSERA_OAUTH2_ALLOW_HTTP=true (loopback providers aside)', () => {
    assert.equal(loadConfig({}).oauth2AllowHttp, false);
    assert.equal(loadConfig({ TESSERA_OAUTH2_ALLOW_HTTP: 'true' }).oauth2AllowHttp, true);
    assert.equal(loadConfig({ TESSERA_OAUTH2_ALLOW_HTTP: 'yes' }).oauth2AllowHttp, false);
  });

  it('webhooks may reach private addresses only with TESSERA_WEBHOOK_ALLOW_PRIVATE=true', () => {
    assert.equal(loadConfig({}).webhookAllowPrivate, false);
    assert.equal(loadConfig({ TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' }).webhookAllowPrivate, true);
    assert.equal(loadConfig({ TESSERA_WEBHOOK_ALLOW_PRIVATE: 'false' }).webhookAllowPrivate, false);
    assert.throws(() => loadConfig({ TESSERA_WEBHOOK_ALLOW_PRIVATE: 'yes' }), /TESSERA_WEBHOOK_ALLOW_PRIVATE/);
  });
});
