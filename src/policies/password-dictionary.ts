import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The common-passwords list of @zxcvbn-ts/language-common (about 49,000 passwords; a superset of the
 * 10k list Appwrite ships), loaded once per process. Decompressing it takes ~100 ms, so switching the
 * policy on loads it in a worker thread (the event loop only builds the Set, ~10 ms); only a check
 * that comes before any load (the policy was on before a restart) decompresses it in place, once.
 */
const PACKAGE = '@zxcvbn-ts/language-common';
let dictionary: ReadonlySet<string> | null = null;
let loading: Promise<ReadonlySet<string>> | null = null;

export function loadPasswordDictionary(): Promise<ReadonlySet<string>> {
  if (dictionary) return Promise.resolve(dictionary);
  loading ??= new Promise<string[]>((resolve, reject) => {
    // Resolved here: the worker's own require would resolve from the working directory.
    const path = createRequire(import.meta.url).resolve(PACKAGE);
    const source = `const { parentPort } = require('node:worker_threads'); parentPort.postMessage(require(${JSON.stringify(path)}).dictionary['passwords-common']);`;
    const worker = new Worker(source, { eval: true });
    worker.once('message', (list: string[]) => {
      resolve(list);
      void worker.terminate();
    });
    worker.once('error', reject);
  }).then(
    (list) => (dictionary ??= new Set(list)),
    () => loadedInPlace(),
  );
  return loading;
}

function loadedInPlace(): ReadonlySet<string> {
  const common = createRequire(import.meta.url)(PACKAGE) as { dictionary: Record<string, string[]> };
  dictionary ??= new Set(common.dictionary['passwords-common']);
  return dictionary;
}

/** Appwrite's PasswordDictionary: an exact, case-sensitive match. */
export function isCommonPassword(password: string): boolean {
  return (dictionary ?? loadedInPlace()).has(password);
}

/** Appwrite's validator text (its "265" included): the param error a common password gets. */
export const COMMON_PASSWORD_DESCRIPTION = 'Password must be between 8 and 265 characters long, and should not be one of the commonly used password.';
