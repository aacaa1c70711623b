import pino, { type Logger } from 'pino';

/** Where log lines go: a stream that may be a terminal. */
export interface LogOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Pino's JSON lines for log collectors; on a terminal, one readable line per entry instead
 * ("12:04:05.120 INFO  Tessera listening on …"), since raw JSON is hard to read by eye.
 */
export function createLogger(level: string, out: LogOutput = process.stdout): Logger {
  if (!out.isTTY) return out === process.stdout ? pino({ level }) : pino({ level }, out);
  return pino({ level }, { write: (line: string) => out.write(formatLogLine(line, { colour: true })) });
}

const LEVELS: Record<number, [name: string, colour: string]> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO ', '\x1b[32m'],
  40: ['WARN ', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[35m'],
};
const RESET = '\x1b[0m';
/** Fields every line has, or that say nothing to a reader at a terminal. */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

/** One pino JSON line as "time LEVEL message key=value …", with an error's stack below it. */
export function formatLogLine(json: string, opts: { colour?: boolean } = {}): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json);
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const [name, colour] = LEVELS[entry.level as number] ?? [String(entry.level).padEnd(5), ''];
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const label = opts.colour && colour ? `${colour}${name}${RESET}` : name;
  const fields = Object.entries(entry)
    .filter(([k]) => !OMITTED.has(k))
    .map(([k, v]) => `${k}=${fieldText(v)}`);
  let line = [time, label, String(entry.msg ?? ''), ...fields].filter(Boolean).join(' ');
  const err = entry.err as { stack?: string; message?: string } | undefined;
  if (err) line += `\n    ${(err.stack ?? err.message ?? JSON.stringify(err)).split('\n').join('\n    ')}`;
  return `${line}\n`;
}

function fieldText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}
