import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, formatLogLine } from './logger.ts';

/** A stream that keeps what is written, as a terminal or as a pipe. */
function capture(isTTY: boolean) {
  const lines: string[] = [];
  return { isTTY, lines, write: (text: string) => lines.push(text) };
}

describe('log output', () => {
  it('on a terminal: one readable line per entry, with the level, message and fields', () => {
    const out = capture(true);
    createLogger('info', out).warn({ keyFile: '/srv/data/key.json' }, 'created a key');
    assert.equal(out.lines.length, 1);
    const plain = out.lines[0].replace(/\x1b\[\d+m/g, '');
    assert.match(plain, /^\d\d:\d\d:\d\d\.\d{3} WARN  created a key keyFile=\/srv\/data\/key\.json\n$/);
    assert.ok(!plain.includes('{'), 'no JSON');
  });

  it('not on a terminal: pino JSON lines, for log collectors', () => {
    const out = capture(false);
    createLogger('info', out).info({ port: 8080 }, 'listening');
    const entry = JSON.parse(out.lines.join(''));
    assert.equal(entry.level, 30);
    assert.equal(entry.msg, 'listening');
    assert.equal(entry.port, 8080);
  });

  it('below the configured level nothing is written', () => {
    const out = capture(true);
    createLogger('warn', out).info('quiet');
    assert.deepEqual(out.lines, []);
  });

  it('an error is printed with its stack below the line; pid and hostname are left out', () => {
    const line = formatLogLine(JSON.stringify({ level: 50, time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), pid: 1, hostname: 'h', msg: 'boom', reqId: 'r 1', err: { message: 'bad', stack: 'Error: bad\n    at x (y.ts:1:1)' } }));
    assert.equal(line, '03:04:05.006 ERROR boom reqId="r 1"\n    Error: bad\n        at x (y.ts:1:1)\n');
  });

  it('a line that is not JSON is passed through as it is', () => {
    assert.equal(formatLogLine('plain text'), 'plain text\n');
  });
});
