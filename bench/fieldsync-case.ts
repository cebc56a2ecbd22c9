/**
 * One fieldsync case of the postgres benchmark (initial sync, unchanged re-sync or 1% changed),
 * timed, with its peak RSS and what it wrote. This is the entry of the benchmark's child process:
 * postgres.ts bundles it with esbuild (see bundle.ts: @fieldsync/* from their src, every other
 * package left to node_modules) and forks the bundle with plain node, no TypeScript loader, so the
 * case's RSS is fieldsync's and its dependencies' as a user runs them. It imports only what a case
 * needs: no PGlite (the store loads it lazily for PGlite cases), no pg-copy-streams.
 *
 * `node fieldsync-case.mjs --child <request json>`, forked with an IPC channel, runs one case and
 * sends a {@link ChildResult}.
 */
import { createSyncEngine } from '@fieldsync/core';
import { postgresStore } from '@fieldsync/postgres';
import { TAB_ID, generatedRows, mapping } from './bench-data.js';

export type CaseName = 'initial' | 'unchanged' | 'changed';

export interface ChildRequest {
  kind: 'server' | 'pglite';
  /** The connection string (server) or the data directory (PGlite). */
  connection: string;
  schema: string;
  rows: number;
  batchSize: number;
  caseName: CaseName;
  /** Source version: 0 as first synced; each later version changes 2 fields of the same 1% of rows. */
  version: number;
  /**
   * Cases to run one after the other in this one process (a warm process, as a long-lived app
   * server syncs), instead of `caseName` at `version`; the child then sends one result per case.
   */
  sequence?: Array<{ caseName: CaseName; version: number }>;
}

export interface ChildResult {
  ms: number;
  peakRssMb: number;
  baseRssMb: number;
  phases: Record<string, number>;
  entityRowsWritten: number;
  lineageRowsWritten: number;
  success: boolean;
}

/** One fieldsync sync, timed, with what it wrote. */
async function childCase(request: ChildRequest): Promise<ChildResult> {
  const store = postgresStore({
    ...(request.kind === 'server' ? { connectionString: request.connection } : { dataDir: request.connection }),
    schema: request.schema,
    entitySchema: request.schema,
  });
  await store.init!();
  const driver = await store.driver();
  const fingerprint = async () => {
    const [entities] = (await driver.query<{ versions: string; n: string }>(`select coalesce(sum(hashtext(xmin::text || ctid::text)), 0)::text as versions, count(*)::text as n from "${request.schema}".partners`)).rows;
    const [lineage] = (await driver.query<{ n: string }>(`select count(*)::text as n from "${request.schema}".field_lineage`)).rows;
    return { versions: entities!.versions, entities: Number(entities!.n), lineage: Number(lineage!.n) };
  };
  const before = await fingerprint();
  const baseRssMb = process.memoryUsage().rss / 1024 / 1024;
  const version = request.version;
  const engine = createSyncEngine({ store, strategies: [generatedRows(request.rows, version)], config: mapping, batchSize: request.batchSize });
  const started = performance.now();
  const result = await engine.syncTab(TAB_ID);
  const ms = performance.now() - started;
  const after = await fingerprint();
  const entityRowsWritten = request.caseName === 'initial' ? after.entities - before.entities : before.versions === after.versions ? 0 : result.stats.rowsUpdated;
  await engine.dispose();
  const { total: _total, ...phases } = result.timings;
  return { ms, peakRssMb: process.resourceUsage().maxRSS / 1024, baseRssMb, phases, entityRowsWritten, lineageRowsWritten: after.lineage - before.lineage, success: result.success };
}

/** Each case of `request.sequence`, in order, in this process. */
async function childSequence(request: ChildRequest): Promise<ChildResult[]> {
  const results: ChildResult[] = [];
  for (const step of request.sequence ?? []) results.push(await childCase({ ...request, ...step }));
  return results;
}

if (process.argv[2] === '--child' && process.send) {
  const request = JSON.parse(process.argv[3]!) as ChildRequest;
  (request.sequence ? childSequence(request) : childCase(request)).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
