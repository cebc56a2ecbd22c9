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
  /**
   * Rounds of re-syncs: each an unchanged re-sync, a 1%-changed one and the COPY of entity rows,
   * next to each other in time.
   */
  repeat: number;
  /** Pairs of an initial sync and the COPY of entity and lineage rows, next to each other in time. */
  initialRepeat: number;
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
  /** For a ratio measured in pairs: each pair's ratio (the value is their median). */
  pairs?: number[];
}

const now = () => performance.now();
/** The middle value; of an even count, the mean of the two middle values. */
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor((sorted.length - 1) / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle]! + sorted[middle + 1]!) / 2;
};
const schemaName = (role: string) => `fs_bench_${role}_${randomBytes(4).toString('hex')}`;

async function copyPglite(db: PGlite, sql: string, lines: Iterable<string>): Promise<void> {
  await db.query(`${sql.replace('from stdin', "from '/dev/blob'")}`, [], { blob: new Blob([...lines]) });
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

type Run = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/** One database the benchmark measures, as this process and the case processes reach it. */
interface BenchTarget {
  target: BenchCase['target'];
  kind: ChildRequest['kind'];
  /** The connection string (server) or data directory (PGlite) the case processes open. */
  connection: string;
  rows: number;
  naiveRows: number;
  /**
   * Runs `work` with SQL access from this process. PGlite is opened for it and closed after: a
   * data directory has one process at a time, and the case processes open it between floors.
   */
  withDatabase<T>(work: (run: Run, driver: SqlDriver) => Promise<T>): Promise<T>;
  /** Times one floor into empty tables (ms). */
  timeFloor(request: FloorRequest): Promise<number>;
  /** Runs before each timed case (see {@link runPostgresBench}). */
  quiesce(): Promise<void>;
  /** Runs once the initial syncs are done, before the re-syncs, untimed. */
  afterInitial(run: Run, schema: string): Promise<void>;
}

/** A check's ratio, measured as pairs of runs next to each other in time. */
interface PairedRatio {
  /** Each pair's ratio, in the order measured. */
  pairs: number[];
  median: number;
}

const pairedRatio = (pairs: number[]): PairedRatio => ({ pairs, median: median(pairs) });

/** Writes `sample` new keys after the `rows` already there, the way the seed's code does: find, then insert or update, then 10 lineage inserts, one at a time. */
async function naiveSample(run: Run, schema: string, rows: number, sample: number): Promise<number> {
  const runId = randomUUID();
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
  return now() - started;
}

/**
 * Measures one database: floors, fieldsync and the naive engine, each in a schema of its own
 * (dropped after). The ratios with tight targets come from runs next to each other in time, in
 * alternating order, on a machine whose speed drifts over minutes:
 * - `initialRepeat` pairs of an initial sync (into a fresh schema) and the COPY of entity and
 *   lineage rows, the floor first in even pairs and the sync first in odd ones;
 * - then `repeat` rounds of an unchanged re-sync, a 1%-changed one and the COPY of entity rows:
 *   even rounds COPY, unchanged, changed; odd rounds changed, unchanged, COPY. Each unchanged
 *   re-sync reads the version last synced and each changed one the next version (2 fields of the
 *   same 1% of rows), so both orders hold.
 * The cases report medians; those checks the median of the pairs' ratios. The naive speed-up
 * (target 10x, measured 30-47x) compares the naive sample, taken after the rounds, with the
 * median initial sync, unpaired.
 */
async function measureTarget(bundle: NodeBundle, target: BenchTarget, options: PostgresBenchOptions): Promise<{ cases: BenchCase[]; ratios: Record<'initial' | 'unchanged' | 'changed', PairedRatio> }> {
  const rows = target.rows;
  const batchSize = options.batchSize;
  const floorSchema = schemaName('floor');
  const schemas = [floorSchema];
  let syncSchema = '';
  const createSchema = (schema: string) =>
    target.withDatabase(async (run, driver) => {
      await migrate(driver, { schema });
      await run(ENTITY_TABLE_SQL(schema));
    });
  // The floor's tables are emptied (untimed) before each floor: truncating the lineage table too
  // for the lineage floor; the entity floor leaves it as the last lineage floor filled it.
  const floor = async (kind: FloorRequest['floor']) => {
    await target.withDatabase((run) => run(`truncate "${floorSchema}".partners${kind === 'entities+lineage' ? `, "${floorSchema}".field_lineage` : ''}`));
    await target.quiesce();
    return target.timeFloor({ schema: floorSchema, rows, batchSize, floor: kind });
  };
  const results: Record<CaseName, ChildResult[]> = { initial: [], unchanged: [], changed: [] };
  const fieldsync = async (caseName: CaseName, version: number) => {
    await target.quiesce();
    const result = await runChild(bundle, { kind: target.kind, connection: target.connection, schema: syncSchema, rows, batchSize, caseName, version });
    if (!result.success) throw new Error(`fieldsync ${caseName} failed`);
    results[caseName].push(result);
    return result.ms;
  };
  try {
    await createSchema(floorSchema);
    // The floors fill these tables with 100,000 or a million fresh rows at a time: autovacuum would
    // take the second core during the sub-second re-syncs that follow them.
    await target.withDatabase(async (run) => {
      for (const table of ['partners', 'field_lineage']) await run(`alter table "${floorSchema}".${table} set (autovacuum_enabled = false)`);
    });
    const lineageFloor: number[] = [];
    const initialPairs: number[] = [];
    for (let pair = 0; pair < options.initialRepeat; pair++) {
      syncSchema = schemaName('sync');
      schemas.push(syncSchema);
      await createSchema(syncSchema);
      const floorFirst = pair % 2 === 0;
      const floorBefore = floorFirst ? await floor('entities+lineage') : 0;
      const initialMs = await fieldsync('initial', 0);
      const floorMs = floorFirst ? floorBefore : await floor('entities+lineage');
      lineageFloor.push(floorMs);
      initialPairs.push(initialMs / floorMs);
      // Only the last initial sync's schema is re-synced.
      if (pair < options.initialRepeat - 1) await target.withDatabase((run) => run(`drop schema "${syncSchema}" cascade`));
    }
    await target.withDatabase((run) => target.afterInitial(run, syncSchema));

    const entityFloor: number[] = [];
    const unchangedPairs: number[] = [];
    const changedPairs: number[] = [];
    let synced = 0;
    for (let round = 0; round < options.repeat; round++) {
      let copyMs = 0;
      let unchangedMs = 0;
      let changedMs = 0;
      if (round % 2 === 0) {
        copyMs = await floor('entities');
        unchangedMs = await fieldsync('unchanged', synced);
        changedMs = await fieldsync('changed', synced + 1);
      } else {
        changedMs = await fieldsync('changed', synced + 1);
        unchangedMs = await fieldsync('unchanged', synced + 1);
        copyMs = await floor('entities');
      }
      synced += 1;
      entityFloor.push(copyMs);
      unchangedPairs.push(unchangedMs / copyMs);
      changedPairs.push(changedMs / unchangedMs);
    }

    // The naive sample writes new keys into the floor's tables as the floors left them (N
    // entities, 10N lineage rows), so each row pays index maintenance at the size extrapolated to.
    const sample = Math.min(target.naiveRows, rows);
    await target.quiesce();
    const naiveMs = await target.withDatabase((run) => naiveSample(run, floorSchema, rows, sample));

    // For information: re-sync pairs in one process that stays warm, as a long-lived app server
    // syncs (the first pair warms it up and is not counted).
    const warm: Record<'unchanged' | 'changed', ChildResult[]> = { unchanged: [], changed: [] };
    if (options.warm) {
      const sequence: NonNullable<ChildRequest['sequence']> = [];
      for (let version = synced; version < synced + options.repeat + 1; version++) sequence.push({ caseName: 'unchanged', version }, { caseName: 'changed', version: version + 1 });
      await target.quiesce();
      const sequenceResults = await runChild<ChildResult[]>(bundle, { kind: target.kind, connection: target.connection, schema: syncSchema, rows, batchSize, caseName: 'unchanged', version: synced, sequence });
      sequenceResults.slice(2).forEach((result, index) => {
        if (!result.success) throw new Error('fieldsync warm re-sync failed');
        warm[index % 2 === 0 ? 'unchanged' : 'changed'].push(result);
      });
    }

    const seconds = (values: number[]) => values.map((ms) => (ms / 1000).toFixed(2)).join(', ');
    const floorCase = (name: string, times: number[], lineageRowsWritten: number): BenchCase => ({
      target: target.target,
      name,
      rows,
      ms: median(times),
      entityRowsWritten: rows,
      lineageRowsWritten,
      ...(times.length > 1 && { note: `median of ${times.length}: ${seconds(times)} s` }),
    });
    // A fieldsync case: the median time and the median run's phases, every run's time, and the
    // most any run wrote (so one unchanged re-sync that wrote fails the check). Peak RSS only for
    // runs that each had a process of their own (the warm pairs shared one).
    const caseOf = (name: string, runs: ChildResult[], ownProcesses: boolean): BenchCase => {
      const middle = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor((runs.length - 1) / 2)]!;
      return {
        target: target.target,
        name,
        rows,
        ms: median(runs.map((result) => result.ms)),
        ...(ownProcesses && { peakRssMb: Math.max(...runs.map((result) => result.peakRssMb)), baseRssMb: middle.baseRssMb }),
        phases: middle.phases,
        entityRowsWritten: Math.max(...runs.map((result) => result.entityRowsWritten)),
        lineageRowsWritten: Math.max(...runs.map((result) => result.lineageRowsWritten)),
        ...(runs.length > 1 && { runs: runs.map((result) => Math.round(result.ms)) }),
      };
    };
    const cases: BenchCase[] = [
      floorCase('write floor: COPY entity rows', entityFloor, 0),
      floorCase('write floor: COPY entity + lineage rows', lineageFloor, rows * 10),
      {
        target: target.target,
        name: 'naive engine (row at a time, as the seed)',
        rows,
        ms: (naiveMs * rows) / sample,
        entityRowsWritten: rows,
        lineageRowsWritten: rows * 10,
        note: sample < rows ? `measured on ${sample} rows written into the floor's ${rows.toLocaleString('en-US')}-row tables (${Math.round(naiveMs)} ms), extrapolated` : undefined,
      },
      caseOf(CASE_NAMES.initial, results.initial, true),
      caseOf(CASE_NAMES.unchanged, results.unchanged, true),
      caseOf(CASE_NAMES.changed, results.changed, true),
    ];
    for (const caseName of ['unchanged', 'changed'] as const) {
      if (warm[caseName].length > 0) cases.push({ ...caseOf(`${CASE_NAMES[caseName]} (one warm process)`, warm[caseName], false), note: 'for information: not a target case' });
    }
    return { cases, ratios: { initial: pairedRatio(initialPairs), unchanged: pairedRatio(unchangedPairs), changed: pairedRatio(changedPairs) } };
  } finally {
    await target.withDatabase(async (run) => {
      for (const schema of schemas) await run(`drop schema if exists "${schema}" cascade`);
    });
  }
}

const CASE_NAMES: Record<CaseName, string> = { initial: 'fieldsync: initial sync', unchanged: 'fieldsync: re-sync, nothing changed', changed: 'fieldsync: re-sync, 1% rows x 2 fields changed' };

/** Runs the whole benchmark; returns every case and the checks against the targets. */
export async function runPostgresBench(options: PostgresBenchOptions): Promise<{ cases: BenchCase[]; checks: BenchCheck[]; notes: string[] }> {
  const cases: BenchCase[] = [];
  const checks: BenchCheck[] = [];
  // What the run could not do as designed, for the report and the JSON.
  const notes: string[] = [];
  if (!options.databaseUrl && options.pgliteRows <= 0) return { cases, checks, notes };
  const bundle = await bundleForNode(fileURLToPath(new URL('./fieldsync-case.ts', import.meta.url)));
  const measure = async (target: BenchTarget) => {
    const measured = await measureTarget(bundle, target, options);
    cases.push(...measured.cases);
    checks.push(...checksOf(target.target, measured.cases, measured.ratios));
  };
  try {
    if (options.databaseUrl) {
      const databaseUrl = options.databaseUrl;
      const copyBundle = await bundleForNode(fileURLToPath(new URL('./copy-case.ts', import.meta.url)));
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
      try {
        const run: Run = async (sql, params) => (await pool.query(sql, params)).rows as Array<Record<string, unknown>>;
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
        await measure({
          target: 'server',
          kind: 'server',
          connection: databaseUrl,
          rows: options.rows,
          naiveRows: options.naiveRows,
          withDatabase: (work) => work(run, driver),
          // The floors run in child processes as the fieldsync cases do (see copy-case.ts).
          timeFloor: async (request) => (await runChild<CopyResult>(copyBundle, { ...request, connection: databaseUrl })).ms,
          quiesce,
          // Without it autovacuum starts on the million new lineage rows while the sub-second
          // re-syncs run, and takes the second core.
          afterInitial: async (sql, schema) => {
            await sql(`vacuum (analyze) "${schema}".partners, "${schema}".field_lineage, "${schema}".fieldsync_row_fingerprints`);
          },
        });
      } finally {
        await pool.end();
        await copyBundle.dispose();
      }
    }
    if (options.pgliteRows > 0) {
      const directory = await mkdtemp(join(tmpdir(), 'fieldsync-bench-pglite-'));
      try {
        // PGlite's floors run in this process, on the data directory the case processes open.
        const withDatabase = async <T>(work: (run: Run, driver: SqlDriver, db: PGlite) => Promise<T>): Promise<T> => {
          const db = await PGlite.create(directory);
          try {
            return await work(async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows, pgliteDriver({ pglite: db as unknown as PGliteLike }), db);
          } finally {
            await db.close();
          }
        };
        await measure({
          target: 'PGlite',
          kind: 'pglite',
          connection: directory,
          rows: options.pgliteRows,
          naiveRows: Math.min(options.naiveRows, options.pgliteRows),
          withDatabase,
          timeFloor: (request) => withDatabase((_run, _driver, db) => copyFloor((sql, lines) => copyPglite(db, sql, lines), request)),
          quiesce: async () => {},
          afterInitial: async () => {},
        });
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    }
  } finally {
    await bundle.dispose();
  }
  return { cases, checks, notes };
}

function checksOf(target: BenchCase['target'], cases: BenchCase[], ratios: Record<'initial' | 'unchanged' | 'changed', PairedRatio>): BenchCheck[] {
  const find = (name: string) => cases.find((each) => each.name === name);
  const naive = find('naive engine (row at a time, as the seed)')!;
  const initial = find(CASE_NAMES.initial)!;
  const unchanged = find(CASE_NAMES.unchanged)!;
  const changed = find(CASE_NAMES.changed)!;
  const round = (value: number) => Math.round(value * 100) / 100;
  const paired = (check: string, ratio: PairedRatio, limit: number): BenchCheck => ({ target, check, value: round(ratio.median), limit: `<= ${limit}`, pass: ratio.median <= limit, pairs: ratio.pairs.map(round) });
  const peak = Math.max(initial.peakRssMb ?? 0, unchanged.peakRssMb ?? 0, changed.peakRssMb ?? 0);
  const checks: BenchCheck[] = [
    paired('initial / COPY(entities + lineage)', ratios.initial, 2),
    paired('unchanged re-sync / COPY(entities)', ratios.unchanged, 1),
    { target, check: 'unchanged re-sync rows + lineage written', value: (unchanged.entityRowsWritten ?? 0) + (unchanged.lineageRowsWritten ?? 0), limit: '= 0', pass: unchanged.entityRowsWritten === 0 && unchanged.lineageRowsWritten === 0 },
    paired('1%-changed / unchanged', ratios.changed, 1.2),
    { target, check: 'naive / initial (speed-up)', value: round(naive.ms / initial.ms), limit: '>= 10', pass: naive.ms >= 10 * initial.ms },
    { target, check: 'peak RSS of a fieldsync case (MB)', value: Math.round(peak), limit: '<= 300', pass: peak <= 300 },
  ];
  const warmUnchanged = find(`${CASE_NAMES.unchanged} (one warm process)`);
  const warmChanged = find(`${CASE_NAMES.changed} (one warm process)`);
  if (warmUnchanged && warmChanged) {
    checks.push({ target, check: '1%-changed / unchanged in one warm process (information)', value: round(warmChanged.ms / warmUnchanged.ms), limit: '<= 1.2', pass: warmChanged.ms <= 1.2 * warmUnchanged.ms });
  }
  return checks;
}
