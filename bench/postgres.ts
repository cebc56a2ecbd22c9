/**
 * The @fieldsync/postgres benchmark: write floors (COPY), a naive row-at-a-time engine as the
 * seed writes, and fieldsync (initial sync, unchanged re-sync, 1% of rows changed in 2 fields),
 * on the server (DATABASE_URL) and on PGlite. Each fieldsync case runs in a child process of its
 * own, so its peak RSS is its own: the child runs fieldsync-case.ts bundled to JavaScript with
 * esbuild (bundle.ts; @fieldsync/* from src, other packages from node_modules) under plain node,
 * without the TypeScript loader this process runs under and without this module's imports
 * (PGlite, pg-copy-streams), as a user runs fieldsync. The server's COPY floors run in child
 * processes too (copy-case.ts, bundled the same way), so each floor, like each case it is
 * compared with, starts in a fresh process with a fresh connection.
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate, pgDriver, pgliteDriver, type PgPoolLike, type PGliteLike, type SqlDriver } from '@fieldsync/postgres';
import { ENTITY_COLUMNS, ENTITY_TABLE_SQL, SOURCE_ID, sourceRow } from './bench-data.js';
import { bundleForNode, type NodeBundle } from './bundle.js';
import type { CopyRequest, CopyResult } from './copy-case.js';
import { copyFloor, type FloorRequest } from './copy-floor.js';
import type { CaseName, ChildRequest, ChildResult } from './fieldsync-case.js';

/** How the fieldsync cases run, for the report. */
export const FIELDSYNC_CASE_RUNTIME = 'each fieldsync case runs in a child process of its own, as JavaScript bundled by esbuild under plain node (no TypeScript loader, no bench-only imports), so its peak RSS is the library\'s; on the server each COPY floor runs the same way (a fresh process and connection), so floors and cases start alike';

/** Options of {@link runPostgresBench}. */
export interface PostgresBenchOptions {
  /** Rows on the server. */
  rows: number;
  /** Rows on PGlite (0 to skip). */
  pgliteRows: number;
  /** Rows the naive engine really writes; its time is extrapolated to `rows`. */
  naiveRows: number;
  /** Engine batch size. */
  batchSize: number;
  /** Times the entity COPY floor and each re-sync case run; the median is reported. */
  repeat: number;
  /** The server, or undefined to skip it. */
  databaseUrl: string | undefined;
  /** Also run `repeat` re-sync pairs in one warm process (after a warm-up pair), for information. */
  warm?: boolean;
}

/** One measured case. */
export interface BenchCase {
  target: 'server' | 'PGlite';
  name: string;
  rows: number;
  ms: number;
  /** Peak RSS of the process that ran the case, MB (fieldsync cases only). */
  peakRssMb?: number;
  /** RSS of that process after opening the store, before the sync, MB. */
  baseRssMb?: number;
  /** The engine's time per phase (read, transform, load, reconcile, write), ms. */
  phases?: Record<string, number>;
  entityRowsWritten?: number;
  lineageRowsWritten?: number;
  note?: string;
  /** Each run's time (ms) when the case ran several times. */
  runs?: number[];
}

/** A target checked against a baseline of the same run. */
export interface BenchCheck {
  target: 'server' | 'PGlite';
  check: string;
  value: number;
  limit: string;
  pass: boolean;
}

const now = () => performance.now();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const schemaName = (role: string) => `fs_bench_${role}_${randomBytes(4).toString('hex')}`;

async function copyPglite(db: PGlite, sql: string, lines: Iterable<string>): Promise<void> {
  await db.query(`${sql.replace('from stdin', "from '/dev/blob'")}`, [], { blob: new Blob([...lines]) });
}

/** Measures the floors and the naive engine on one database, in a schema of their own (dropped after). */
async function measureBaselines(
  target: BenchCase['target'],
  run: (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>,
  timeFloor: (request: FloorRequest) => Promise<number>,
  driver: SqlDriver,
  rows: number,
  naiveRows: number,
  batchSize: number,
  repeat: number,
  quiesce: () => Promise<void>,
): Promise<BenchCase[]> {
  const schema = schemaName('floor');
  await migrate(driver, { schema });
  try {
    await run(ENTITY_TABLE_SQL(schema));
    const cases: BenchCase[] = [];
    // The entity floor is the baseline of the unchanged re-sync: measured `repeat` times like it, median kept.
    const floorTimes: number[] = [];
    for (let attempt = 0; attempt < repeat; attempt++) {
      if (attempt > 0) await run(`truncate "${schema}".partners`);
      await quiesce();
      floorTimes.push(await timeFloor({ schema, rows, batchSize, floor: 'entities' }));
    }
    cases.push({ target, name: 'write floor: COPY entity rows', rows, ms: median(floorTimes), entityRowsWritten: rows, lineageRowsWritten: 0, ...(repeat > 1 && { note: `median of ${repeat}: ${floorTimes.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s` }) });

    await run(`truncate "${schema}".partners`);
    await quiesce();
    const allMs = await timeFloor({ schema, rows, batchSize, floor: 'entities+lineage' });
    cases.push({ target, name: 'write floor: COPY entity + lineage rows', rows, ms: allMs, entityRowsWritten: rows, lineageRowsWritten: rows * 10 });

    // The naive sample writes new keys into the tables as the floor left them (N entities, 10N
    // lineage rows), so each row pays index maintenance at the size being extrapolated to.
    const sample = Math.min(naiveRows, rows);
    const runId = randomUUID();
    await quiesce();
    const started = now();
    for (let index = 0; index < sample; index++) {
      const source = sourceRow(rows + index);
      const values = [source.Code, source.Brand, Number(source.Revenue), Number(source.Seats), source.Active === 'true', source.Signed, source.Seen, source.Tier, source.Region, source.Notes];
      const found = await run(`select id from "${schema}".partners where code = $1`, [source.Code]);
      let id = found[0]?.id as string | undefined;
      if (id) {
        await run(`update "${schema}".partners set brand = $2, revenue = $3, seats = $4, active = $5, signed_on = $6, seen_at = $7, tier = $8, region = $9, notes = $10 where code = $1`, values);
      } else {
        const inserted = await run(`insert into "${schema}".partners (${ENTITY_COLUMNS.join(', ')}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`, values);
        id = inserted[0]!.id as string;
      }
      for (const [position, field] of ENTITY_COLUMNS.entries()) {
        await run(
          `insert into "${schema}".field_lineage (entity_type, entity_id, entity_key, field_name, source_type, source_id, source_ref, previous_value, new_value, sync_run_id, change_reason)
           values ('partners', $1, $2, $3, 'bench', $4, $5, null, $6, $7, 'create')`,
          [id, source.Code, field, SOURCE_ID, `Bench Sheet > Partners > ${field}, row ${rows + index + 2}`, JSON.stringify(values[position]), runId],
        );
      }
    }
    const naiveMs = now() - started;
    cases.push({ target, name: 'naive engine (row at a time, as the seed)', rows, ms: (naiveMs * rows) / sample, entityRowsWritten: rows, lineageRowsWritten: rows * 10, note: sample < rows ? `measured on ${sample} rows written into the floor's ${rows.toLocaleString('en-US')}-row tables (${Math.round(naiveMs)} ms), extrapolated` : undefined });
    return cases;
  } finally {
    await run(`drop schema "${schema}" cascade`);
  }
}

/**
 * Runs a bench child: the bundle of fieldsync-case.ts (one fieldsync case, or a `sequence` of
 * them) or of copy-case.ts (one write floor), under plain node.
 */
function runChild<Result = ChildResult>(bundle: NodeBundle, request: ChildRequest | CopyRequest): Promise<Result> {
  const label = 'caseName' in request ? `fieldsync ${request.caseName}` : `floor ${request.floor}`;
  return new Promise((resolve, reject) => {
    // execArgv [] so the child does not inherit this process's tsx loader (--require, --import, --conditions).
    const child = fork(bundle.file, ['--child', JSON.stringify(request)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    child.on('message', (message) => {
      answered = true;
      resolve(message as Result);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`bench child (${label}) exited with ${code}`));
      else if (!answered) reject(new Error(`bench child (${label}) exited without a result`));
    });
  });
}

/**
 * `afterInitial` runs between the initial sync and the re-syncs, untimed: on the server it
 * VACUUM ANALYZEs the tables the initial sync filled. Without it autovacuum starts on the
 * million new lineage rows while the sub-second re-syncs run, and takes the second core.
 * `quiesce` runs before each timed case (see {@link runPostgresBench}).
 */
async function measureFieldsync(bundle: NodeBundle, target: BenchCase['target'], kind: ChildRequest['kind'], connection: string, schema: string, rows: number, batchSize: number, repeat: number, quiesce: () => Promise<void>, afterInitial: () => Promise<void> = async () => {}, warm = false): Promise<BenchCase[]> {
  const names: Record<CaseName, string> = { initial: 'fieldsync: initial sync', unchanged: 'fieldsync: re-sync, nothing changed', changed: 'fieldsync: re-sync, 1% rows x 2 fields changed' };
  const results: Record<CaseName, ChildResult[]> = { initial: [], unchanged: [], changed: [] };
  const measure = async (caseName: CaseName, version: number) => {
    await quiesce();
    const result = await runChild(bundle, { kind, connection, schema, rows, batchSize, caseName, version });
    if (!result.success) throw new Error(`fieldsync ${caseName} failed`);
    results[caseName].push(result);
  };
  // The initial sync once; then `repeat` pairs of re-syncs, each an unchanged one (the version
  // last synced) followed by a changed one (the next version changes 2 fields of the same 1% of
  // rows). Pairs, not all unchanged runs then all changed ones, so the two medians compared
  // come from the same stretch of time on a machine whose speed drifts.
  await measure('initial', 0);
  await afterInitial();
  for (let version = 0; version < repeat; version++) {
    await measure('unchanged', version);
    await measure('changed', version + 1);
  }
  // For information: the same pairs in one process that stays warm, as a long-lived app server
  // syncs (the first pair warms it up and is not counted).
  const warmResults: Record<'unchanged' | 'changed', ChildResult[]> = { unchanged: [], changed: [] };
  if (warm) {
    const sequence: NonNullable<ChildRequest['sequence']> = [];
    for (let version = repeat; version < 2 * repeat + 1; version++) sequence.push({ caseName: 'unchanged', version }, { caseName: 'changed', version: version + 1 });
    await quiesce();
    const sequenceResults = await runChild<ChildResult[]>(bundle, { kind, connection, schema, rows, batchSize, caseName: 'unchanged', version: repeat, sequence });
    sequenceResults.slice(2).forEach((result, index) => {
      if (!result.success) throw new Error('fieldsync warm re-sync failed');
      warmResults[index % 2 === 0 ? 'unchanged' : 'changed'].push(result);
    });
  }
  // The case of a kind's runs: the median run's figures, and every run's time. Peak RSS only for
  // runs that each had a process of their own (the warm pairs shared one).
  const caseOf = (name: string, runs: ChildResult[], ownProcesses: boolean): BenchCase => {
    const middle = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor((runs.length - 1) / 2)]!;
    return {
      target,
      name,
      rows,
      ms: middle.ms,
      ...(ownProcesses && { peakRssMb: Math.max(...runs.map((result) => result.peakRssMb)), baseRssMb: middle.baseRssMb }),
      phases: middle.phases,
      entityRowsWritten: middle.entityRowsWritten,
      lineageRowsWritten: middle.lineageRowsWritten,
      ...(runs.length > 1 && { runs: runs.map((result) => Math.round(result.ms)) }),
    };
  };
  const cases: BenchCase[] = (['initial', 'unchanged', 'changed'] as const).map((caseName) => caseOf(names[caseName], results[caseName], true));
  for (const caseName of ['unchanged', 'changed'] as const) {
    if (warmResults[caseName].length > 0) cases.push({ ...caseOf(`${names[caseName]} (one warm process)`, warmResults[caseName], false), note: 'for information: not a target case' });
  }
  return cases;
}

/** Runs the whole benchmark; returns every case and the checks against the targets. */
export async function runPostgresBench(options: PostgresBenchOptions): Promise<{ cases: BenchCase[]; checks: BenchCheck[]; notes: string[] }> {
  const cases: BenchCase[] = [];
  // What the run could not do as designed, for the report and the JSON.
  const notes: string[] = [];
  if (!options.databaseUrl && options.pgliteRows <= 0) return { cases, checks: [], notes };
  const bundle = await bundleForNode(fileURLToPath(new URL('./fieldsync-case.ts', import.meta.url)));
  try {
    if (options.databaseUrl) {
      const copyBundle = await bundleForNode(fileURLToPath(new URL('./copy-case.ts', import.meta.url)));
      const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
      try {
        const run = async (sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as Array<Record<string, unknown>>;
        const driver = pgDriver({ pool: pool as unknown as PgPoolLike });
        // Before each timed case the server writes out the dirty pages earlier cases left (a
        // CHECKPOINT, untimed): otherwise a sub-second case pays for the write-back of the last
        // million-row case, as its commits wait behind the checkpointer's writes.
        // CHECKPOINT needs a superuser or pg_checkpoint (not granted on managed services): without
        // it the bench goes on and says so once.
        let canCheckpoint = true;
        const quiesce = async () => {
          if (!canCheckpoint) return;
          await run('checkpoint').catch((error: unknown) => {
            // 42501: insufficient privilege; anything else is a real failure.
            if ((error as { code?: string }).code !== '42501') throw error;
            canCheckpoint = false;
            notes.push(`CHECKPOINT before each timed case skipped (${(error as Error).message}): sub-second cases may pay for earlier cases' write-back`);
            console.warn(`note: ${notes.at(-1)}`);
          });
        };
        // The floors run in child processes as the fieldsync cases do (see copy-case.ts).
        const timeFloor = async (request: FloorRequest) => (await runChild<CopyResult>(copyBundle, { ...request, connection: options.databaseUrl! })).ms;
        cases.push(...(await measureBaselines('server', run, timeFloor, driver, options.rows, options.naiveRows, options.batchSize, options.repeat, quiesce)));
        const schema = schemaName('sync');
        await migrate(driver, { schema });
        await run(ENTITY_TABLE_SQL(schema));
        try {
          cases.push(...(await measureFieldsync(bundle, 'server', 'server', options.databaseUrl, schema, options.rows, options.batchSize, options.repeat, quiesce, async () => {
            await run(`vacuum (analyze) "${schema}".partners, "${schema}".field_lineage, "${schema}".fieldsync_row_fingerprints`);
          }, options.warm)));
        } finally {
          await run(`drop schema "${schema}" cascade`);
        }
      } finally {
        await pool.end();
        await copyBundle.dispose();
      }
    }
    if (options.pgliteRows > 0) {
      const directory = await mkdtemp(join(tmpdir(), 'fieldsync-bench-pglite-'));
      try {
        const db = await PGlite.create(directory);
        const run = async (sql: string, params?: unknown[]) => (await db.query<Record<string, unknown>>(sql, params)).rows;
        const driver = pgliteDriver({ pglite: db as unknown as PGliteLike });
        // PGlite's floors run in this process, on the database it opened.
        cases.push(...(await measureBaselines('PGlite', run, (request) => copyFloor((sql, lines) => copyPglite(db, sql, lines), request), driver, options.pgliteRows, Math.min(options.naiveRows, options.pgliteRows), options.batchSize, options.repeat, async () => {})));
        const schema = schemaName('sync');
        await migrate(driver, { schema });
        await run(ENTITY_TABLE_SQL(schema));
        await db.close();
        cases.push(...(await measureFieldsync(bundle, 'PGlite', 'pglite', directory, schema, options.pgliteRows, options.batchSize, options.repeat, async () => {})));
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    }
  } finally {
    await bundle.dispose();
  }
  return { cases, checks: checksOf(cases), notes };
}

function checksOf(cases: BenchCase[]): BenchCheck[] {
  const checks: BenchCheck[] = [];
  for (const target of ['server', 'PGlite'] as const) {
    const ms = (name: string) => cases.find((each) => each.target === target && each.name.startsWith(name));
    const floorEntities = ms('write floor: COPY entity rows');
    const floorAll = ms('write floor: COPY entity + lineage');
    const naive = ms('naive engine');
    const initial = ms('fieldsync: initial');
    const unchanged = ms('fieldsync: re-sync, nothing');
    const changed = ms('fieldsync: re-sync, 1%');
    if (!floorEntities || !floorAll || !naive || !initial || !unchanged || !changed) continue;
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    checks.push({ target, check: 'initial / COPY(entities + lineage)', value: ratio(initial.ms, floorAll.ms), limit: '<= 2', pass: initial.ms <= 2 * floorAll.ms });
    checks.push({ target, check: 'unchanged re-sync / COPY(entities)', value: ratio(unchanged.ms, floorEntities.ms), limit: '<= 1', pass: unchanged.ms <= floorEntities.ms });
    checks.push({ target, check: 'unchanged re-sync rows + lineage written', value: (unchanged.entityRowsWritten ?? 0) + (unchanged.lineageRowsWritten ?? 0), limit: '= 0', pass: unchanged.entityRowsWritten === 0 && unchanged.lineageRowsWritten === 0 });
    checks.push({ target, check: '1%-changed / unchanged', value: ratio(changed.ms, unchanged.ms), limit: '<= 1.2', pass: changed.ms <= 1.2 * unchanged.ms });
    checks.push({ target, check: 'naive / initial (speed-up)', value: ratio(naive.ms, initial.ms), limit: '>= 10', pass: naive.ms >= 10 * initial.ms });
    const peak = Math.max(initial.peakRssMb ?? 0, unchanged.peakRssMb ?? 0, changed.peakRssMb ?? 0);
    checks.push({ target, check: 'peak RSS of a fieldsync case (MB)', value: Math.round(peak), limit: '<= 300', pass: peak <= 300 });
    const warmUnchanged = ms('fieldsync: re-sync, nothing changed (one warm process)');
    const warmChanged = ms('fieldsync: re-sync, 1% rows x 2 fields changed (one warm process)');
    if (warmUnchanged && warmChanged) {
      checks.push({ target, check: '1%-changed / unchanged in one warm process (information)', value: ratio(warmChanged.ms, warmUnchanged.ms), limit: '<= 1.2', pass: warmChanged.ms <= 1.2 * warmUnchanged.ms });
    }
  }
  return checks;
}
