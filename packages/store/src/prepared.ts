/**
 * Named (server-side prepared) statements for the command runtime's hot path on PostgreSQL.
 *
 * kysely's `pg` driver sends every query unnamed, so the server parses and plans it on each
 * call. A compiled query marked with {@link prepared} is sent by the pool of {@link openStore}
 * as a named statement instead (`sd_` + sha1 of its text): each connection parses it once and
 * PostgreSQL may then reuse a generic plan. Only statements whose plan does not depend on their
 * parameters are marked (primary-key lookups and writes of the runtime); the inbox queries are
 * not. On PGlite the marker is an ordinary SQL comment.
 */
import { createHash } from 'node:crypto';
import type { CompiledQuery, PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** The comment that marks a statement to be prepared. */
export const PREPARE_MARK = '/* shidian:prepare */ ';

/** Distinct statements prepared per process at most (each costs server memory per connection). */
const MAX_NAMES = 256;
const names = new Map<string, string>();

/**
 * Marks a compiled query to be sent as a named prepared statement.
 *
 * @example
 * ```ts
 * const r = await db.executeQuery(prepared(db.selectFrom('cases').selectAll().where('case_id', '=', id).compile()));
 * ```
 */
export function prepared<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  return query.sql.startsWith(PREPARE_MARK) ? query : { ...query, sql: PREPARE_MARK + query.sql };
}

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMES) {
    name = `sd_${createHash('sha1').update(text).digest('hex').slice(0, 32)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Wraps a `pg` pool for kysely's `PostgresDialect`: queries that start with {@link PREPARE_MARK}
 * are sent as named statements; everything else is passed through unchanged.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let w = wrapped.get(client);
    if (w === undefined) {
      const query = (text: unknown, values?: readonly unknown[]): unknown => {
        if (typeof text === 'string' && text.startsWith(PREPARE_MARK)) {
          const name = nameOf(text);
          if (name !== undefined) return client.query({ name, text, values: values as unknown[] });
        }
        return (client.query as (t: unknown, v?: unknown) => unknown)(text, values);
      };
      w = {
        query: query as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
        get processID() {
          return (client as unknown as { processID?: number }).processID;
        },
      };
      wrapped.set(client, w);
    }
    return w;
  };
  return {
    Client: (pool as unknown as { Client?: PostgresPool['Client'] }).Client,
    options: pool.options,
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  } as PostgresPool;
}
