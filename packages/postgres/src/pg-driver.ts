import type { ReservedConnection, SqlDriver } from './sql-driver.js';

/** The part of a `pg` client the store uses. */
export interface PgClientLike {
  query(text: string, params?: unknown[]): Promise<{ rows: any[] }>;
  release(error?: Error | boolean): void;
}

/** The part of a `pg` `Pool` the store uses (a structural type: `pg` stays an optional peer). */
export interface PgPoolLike {
  query(text: string, params?: unknown[]): Promise<{ rows: any[] }>;
  connect(): Promise<PgClientLike>;
  end(): Promise<void>;
}

/** Options of {@link pgDriver}. */
export interface PgDriverOptions {
  pool: PgPoolLike;
  /** End the pool on `close()`: true when the store created it. @default false */
  ownsPool?: boolean;
}

/** A {@link SqlDriver} over a `pg` Pool. */
export function pgDriver(options: PgDriverOptions): SqlDriver {
  const { pool } = options;
  return {
    kind: 'pg',
    identity: pool,
    query: async (text, params) => pool.query(text, params ? [...params] : undefined),
    async transaction(work) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('begin');
        const result = await work({
          query: async (text, params) => client.query(text, params ? [...params] : undefined),
          exec: async (script) => {
            await client.query(script);
          },
        });
        await client.query('commit');
        return result;
      } catch (error) {
        try {
          await client.query('rollback');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async reserve(): Promise<ReservedConnection> {
      const client = await pool.connect();
      return {
        query: async (text, params) => client.query(text, params ? [...params] : undefined),
        release: (destroy) => client.release(destroy === true),
      };
    },
    async close() {
      if (options.ownsPool) await pool.end();
    },
  };
}

/** Creates a `pg` Pool for a connection string, importing `pg` only now. */
export async function createPgPool(connectionString: string): Promise<PgPoolLike> {
  const pg = (await import('pg')) as unknown as { default?: { Pool: new (config: object) => PgPoolLike }; Pool?: new (config: object) => PgPoolLike };
  const Pool = pg.default?.Pool ?? pg.Pool;
  if (!Pool) throw new Error('pg does not export Pool');
  const pool = new Pool({ connectionString, max: 10 });
  // An idle client that loses its connection emits 'error' on the pool; without a listener Node exits.
  (pool as unknown as { on?: (event: string, listener: (error: Error) => void) => void }).on?.('error', () => {});
  return pool;
}
