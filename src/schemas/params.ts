import { Type as T, FormatRegistry, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { argumentInvalid, argumentMissing } from '../errors/errors.ts';
import { isValidEmail, isValidPasswordLength, isValidPhone } from '../support/validators.ts';

/**
 * Route parameter schemas whose `description` is the Appwrite validator text, so a failure reads
 * "Invalid `email` param: Value must be a valid email address".
 */
FormatRegistry.Set('email', isValidEmail);
FormatRegistry.Set('password', isValidPasswordLength);
FormatRegistry.Set('phone', isValidPhone);

const ID_DESCRIPTION =
  "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char";

const thousands = (n: number) => n.toLocaleString('en-US');

export const P = {
  customId: () => T.String({ pattern: '^(unique\\(\\)|[A-Za-z0-9][A-Za-z0-9._-]{0,35})$', description: ID_DESCRIPTION }),
  uid: () => T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$', description: ID_DESCRIPTION }),
  email: () => T.String({ format: 'email', description: 'Value must be a valid email address' }),
  phone: () =>
    T.String({ format: 'phone', description: "Phone number must start with a '+' can have a maximum of fifteen digits." }),
  text: (max: number, min = 0) =>
    T.String({
      minLength: min,
      maxLength: max,
      description: `Value must be a valid string${min ? ` and at least ${min} chars` : ''} and no longer than ${max} chars`,
    }),
  password: () => T.String({ format: 'password', description: 'Password must be between 8 and 256 characters long.' }),
  int: (min: number, max: number) =>
    T.Integer({ minimum: min, maximum: max, description: `Value must be a valid range between ${thousands(min)} and ${thousands(max)}` }),
  bool: () => T.Boolean({ description: 'Value must be a valid boolean' }),
  /** Appwrite's Assoc: a JSON object, or an empty array (PHP's empty array); read it with assoc(). */
  object: () => T.Union([T.Record(T.String(), T.Unknown()), T.Tuple([])], { description: 'Value must be a valid object.' }),
  array: (item: TSchema, max = 100) =>
    T.Array(item, { maxItems: max, description: `Value must a valid array no longer than ${max} items and ${item.description ?? 'valid'}` }),
  /** Optional and nullable: Appwrite treats null like an omitted param. */
  opt: <S extends TSchema>(s: S) => T.Optional(T.Union([s, T.Null()], { description: s.description })),
};

export { T };

/** A P.object() value as an object (an empty array is an empty object). */
export function assoc(value: Record<string, unknown> | unknown[]): Record<string, unknown> {
  return Array.isArray(value) ? {} : value;
}

export type Validator = (input: unknown) => unknown;

/** Compiles a params schema into a function that returns the (coerced) value or throws the Appwrite error. */
export function compileParams(schema: TSchema, coerce: boolean): Validator {
  const check = TypeCompiler.Compile(schema);
  return (input) => {
    const value = coerce ? Value.Convert(schema, input ?? {}) : (input ?? {});
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw argumentInvalid('body', 'Value must be a valid object.');
    }
    if (check.Check(value)) return rejectNul(value as Record<string, unknown>, (schema as any).properties ?? {});
    const first = check.Errors(value).First();
    if (!first) return value;
    const name = first.path.split('/')[1] ?? '';
    const props = (schema as any).properties ?? {};
    const prop = props[name];
    if (!prop) throw argumentInvalid(name || 'body', first.message);
    if ((value as Record<string, unknown>)[name] === undefined) throw argumentMissing(name);
    throw argumentInvalid(name, prop.description ?? first.message);
  };
}

/** PostgreSQL text cannot hold U+0000: a declared param containing one is a 400 on every backend, not a driver error. */
function rejectNul(value: Record<string, unknown>, props: Record<string, TSchema>): Record<string, unknown> {
  for (const name of Object.keys(props)) {
    if (hasNul(value[name], 0)) throw argumentInvalid(name, props[name].description ?? 'Value must not contain NUL characters');
  }
  return value;
}

function hasNul(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (v === null || typeof v !== 'object' || depth > 32) return false;
  return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x, depth + 1));
}

const PREFS_MAX_BYTES = 65535;

const PREFS_MAX_DEPTH = 512;

/** Whether a JSON value nests deeper than `limit` levels (JSON.stringify would overflow the stack long before 1 MB). */
function nestsDeeper(v: unknown, limit: number): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (limit <= 0) return true;
  for (const x of Object.values(v)) if (nestsDeeper(x, limit - 1)) return true;
  return false;
}

/** Prefs (user or team) may hold at most 64 kB of JSON, nested at most 512 levels (PHP's json_decode depth). */
export function checkPrefs(prefs: Record<string, unknown>): void {
  if (nestsDeeper(prefs, PREFS_MAX_DEPTH)) {
    throw argumentInvalid('prefs', `Value must be a valid object and no deeper than ${PREFS_MAX_DEPTH} levels.`);
  }
  if (Buffer.byteLength(JSON.stringify(prefs)) > PREFS_MAX_BYTES) {
    throw argumentInvalid('prefs', `Value must be a valid object and no longer than ${PREFS_MAX_BYTES.toLocaleString('en-US')} chars.`);
  }
}
