/**
 * The little the store needs from a database connection. Two implementations: `pgDriver`
 * (a `pg` Pool against a server) and `pgliteDriver` (embedded PGlite). The store never imports
 * `pg` or `@electric-sql/pglite` itself; they stay optional peers.
 */
export interface SqlDriver {
  /** `pg` (a server, many connections) or `pglite` (embedded, one connection). */
  readonly kind: 'pg' | 'pglite';
  /** The client object locks are shared by: two stores on one pool or one PGlite see each other's locks. */
  readonly identity: object;
  /** Runs one statement with `$1`-style parameters. */
  query<Row = Record<string, unknown>>(text: string, params?: ReadonlyArray<unknown>): Promise<{ rows: Row[] }>;
  /** Runs several statements in one transaction (used by migrations). */
  transaction<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * A connection of its own, held until released, for session-level advisory locks.
   * Undefined when the driver has a single connection (PGlite).
   */
  reserve?(): Promise<ReservedConnection>;
  /** Closes what the driver opened itself; a client passed in by the host is left open. */
  close(): Promise<void>;
}

/** What runs inside {@link SqlDriver.transaction}. */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: ReadonlyArray<unknown>): Promise<{ rows: Row[] }>;
  /** Runs a script of several statements, without parameters. */
  exec(script: string): Promise<void>;
}

/** A dedicated connection from {@link SqlDriver.reserve}. */
export interface ReservedConnection {
  query<Row = Record<string, unknown>>(text: string, params?: ReadonlyArray<unknown>): Promise<{ rows: Row[] }>;
  /** Returns the connection to the pool; pass `destroy` when it may be broken. */
  release(destroy?: boolean): void;
}
