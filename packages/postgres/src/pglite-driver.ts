import type { SqlDriver } from './sql-driver.js';

/** The part of a PGlite instance the store uses (a structural type: PGlite stays an optional peer). */
export interface PGliteLike {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec(script: string): Promise<unknown>;
  transaction<T>(work: (transaction: PGliteTransactionLike) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly closed?: boolean;
}

/** The part of a PGlite transaction the store uses. */
export interface PGliteTransactionLike {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec(script: string): Promise<unknown>;
}

/** Options of {@link pgliteDriver}. */
export interface PgliteDriverOptions {
  pglite: PGliteLike;
  /** Close the instance on `close()`: true when the store created it. @default false */
  ownsInstance?: boolean;
}

/** A {@link SqlDriver} over an embedded PGlite instance (one connection). */
export function pgliteDriver(options: PgliteDriverOptions): SqlDriver {
  const { pglite } = options;
  return {
    kind: 'pglite',
    identity: pglite,
    query: async <Row>(text: string, params?: ReadonlyArray<unknown>) => pglite.query<Row>(text, params ? [...params] : undefined),
    transaction: async (work) =>
      pglite.transaction(async (transaction) =>
        work({
          query: async <Row>(text: string, params?: ReadonlyArray<unknown>) => transaction.query<Row>(text, params ? [...params] : undefined),
          exec: async (script) => {
            await transaction.exec(script);
          },
        }),
      ),
    async close() {
      if (options.ownsInstance && !pglite.closed) await pglite.close();
    },
  };
}

/** Opens PGlite in a directory (created if needed) or in memory (`memory://`), importing it only now. */
export async function openPglite(dataDir: string): Promise<PGliteLike> {
  const module = (await import('@electric-sql/pglite')) as unknown as { PGlite: { create(dataDir?: string): Promise<PGliteLike> } };
  if (!dataDir.startsWith('memory://')) {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir, { recursive: true });
  }
  return module.PGlite.create(dataDir);
}
