import type { Compilable } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Db } from './schema.ts';
import { bindTemplate, type CompiledTemplate, type QueryTemplate, type TemplateRow } from './template.ts';

/**
 * Runs query templates (template.ts) synchronously on the SQLite connection, for the few hot paths
 * (login, session issue) where Kysely's asynchronous connection machinery and query building cost
 * more main-thread time than the statements themselves. Queries are still written with Kysely; only
 * compilation (once) and execution differ.
 *
 * Safe only while no Kysely transaction is open on the connection: better-sqlite3 has a single
 * connection, so a statement run in the middle of someone else's transaction would join it.
 * `idle()` tells; callers fall back to the asynchronous path when it is false. Everything run here
 * completes before control returns to the event loop, so nothing can interleave with it.
 */
export class SyncSqlite {
  private readonly begin: SQLite.Statement;
  private readonly commit: SQLite.Statement;
  private readonly rollback: SQLite.Statement;
  private readonly dataVersionStatement: SQLite.Statement;
  private readonly templates = new Map<QueryTemplate<any, any>, { compiled: CompiledTemplate; stmt: SQLite.Statement }>();

  constructor(
    private readonly sqlite: SQLite.Database,
    /** Compiles templates (SQLite dialect). */
    private readonly db: Db,
  ) {
    this.begin = sqlite.prepare('BEGIN IMMEDIATE');
    this.commit = sqlite.prepare('COMMIT');
    this.rollback = sqlite.prepare('ROLLBACK');
    this.dataVersionStatement = sqlite.prepare('PRAGMA data_version').pluck();
  }

  /** Changes whenever another connection (another process: the CLI) commits to the file; this one's own writes leave it. */
  dataVersion(): number {
    return Number(this.dataVersionStatement.get());
  }

  idle(): boolean {
    return !this.sqlite.inTransaction;
  }


  /** A template's rows for these values (compiled and prepared on first use). */
  allOf<T extends QueryTemplate<any, any>>(template: T, values: TemplateValues<T>): TemplateRow<T>[] {
    const { compiled, stmt } = this.compiledTemplate(template);
    const parameters = bindTemplate(compiled, values);
    if (stmt.reader) return stmt.all(parameters) as TemplateRow<T>[];
    stmt.run(parameters);
    return [];
  }

  firstOf<T extends QueryTemplate<any, any>>(template: T, values: TemplateValues<T>): TemplateRow<T> | undefined {
    return this.allOf(template, values)[0];
  }

  /** Runs a template's write; returns the number of rows it changed. */
  runOf<T extends QueryTemplate<any, any>>(template: T, values: TemplateValues<T>): number {
    const { compiled, stmt } = this.compiledTemplate(template);
    return stmt.run(bindTemplate(compiled, values)).changes;
  }

  /** Runs a template's insert; returns the new row's rowid (an INTEGER PRIMARY KEY column's value). */
  insertOf<T extends QueryTemplate<any, any>>(template: T, values: TemplateValues<T>): number {
    const { compiled, stmt } = this.compiledTemplate(template);
    return Number(stmt.run(bindTemplate(compiled, values)).lastInsertRowid);
  }

  private compiledTemplate(template: QueryTemplate<any, any>) {
    let hit = this.templates.get(template);
    if (!hit) {
      const compiled = template.compile(this.db);
      // Its own statement, outside the bounded cache: templates are few and live for the process.
      hit = { compiled, stmt: this.sqlite.prepare(compiled.sql) };
      this.templates.set(template, hit);
    }
    return hit;
  }

  /** `fn` in one transaction (BEGIN IMMEDIATE … COMMIT, rolled back if it throws). Not nestable. */
  transaction<T>(fn: () => T): T {
    this.begin.run();
    try {
      const result = fn();
      this.commit.run();
      return result;
    } catch (err) {
      if (this.sqlite.inTransaction) this.rollback.run();
      throw err;
    }
  }
}

/** A template's first row: synchronously on an idle SQLite connection, else through Kysely. */
export function takeFirstOf<V extends Record<string, unknown>, R>(
  sync: SyncSqlite | null,
  db: Db,
  template: QueryTemplate<V, Compilable<R> & { executeTakeFirst(): Promise<R | undefined> }>,
  values: V,
): R | undefined | Promise<R | undefined> {
  return sync?.idle() ? sync.firstOf(template, values) : template.query(db, values).executeTakeFirst();
}

type TemplateValues<T> = T extends QueryTemplate<infer V, any> ? V : never;
