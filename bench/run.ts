/**
 * Benchmarks. `npx -y pnpm@12.4.2 bench` from the repository root runs them all; flags:
 * `--rows N` (server rows, default 100000), `--pglite-rows N` (default 20000, 0 to skip),
 * `--naive-rows N` (rows the naive engine really writes, default 1000), `--batch-size N`
 * (engine batch size, default 500 as the engine's), `--repeat N` (rounds of re-syncs: an unchanged
 * re-sync, a 1%-changed one and the COPY of entity rows, next to each other in time; default 11:
 * these machines are shared and noisy), `--initial-repeat N` (pairs of an initial sync and the COPY
 * of entity and lineage rows; default 3),
 * `--warm` (also run the re-sync pairs in one warm process, reported for information). The
 * server is DATABASE_URL (skipped when unset).
 * `--sheets-rows N` (end-to-end Sheets case, default the same as --rows, 0 to skip) and
 * `--only sheets` (skip the postgres cases). Prints tables and writes JSON to bench/results/.
 * This process runs under tsx (`tsx --conditions=source`); the postgres fieldsync cases do not:
 * each runs in a child process, bundled to JavaScript with esbuild and run by plain node (see
 * postgres.ts), so their peak RSS excludes the TypeScript loader and the bench's own imports.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { FIELDSYNC_CASE_RUNTIME, runPostgresBench, type BenchCase } from './postgres.js';
import { runSheetsBench } from './sheets-e2e.js';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}

const options = {
  rows: flag('rows', 100_000),
  pgliteRows: flag('pglite-rows', 20_000),
  naiveRows: flag('naive-rows', 1_000),
  batchSize: flag('batch-size', 500),
  repeat: Math.max(1, flag('repeat', 11)),
  initialRepeat: Math.max(1, flag('initial-repeat', 3)),
  warm: process.argv.includes('--warm'),
  databaseUrl: process.env.DATABASE_URL,
  sheetsRows: flag('sheets-rows', flag('rows', 100_000)),
  only: process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined,
};

const format = (each: BenchCase) =>
  `| ${each.target} | ${each.name} | ${each.rows.toLocaleString('en-US')} | ${(each.ms / 1000).toFixed(2)} s | ${Math.round(each.rows / (each.ms / 1000)).toLocaleString('en-US')} | ${each.entityRowsWritten ?? ''} | ${each.lineageRowsWritten ?? ''} | ${each.peakRssMb === undefined ? '' : `${Math.round(each.peakRssMb)} (${Math.round(each.baseRssMb ?? 0)} before)`} | ${each.note ?? (each.phases ? Object.entries(each.phases).map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)}`).join(', ') + ' s' : '')}${each.runs ? `; median of ${each.runs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s` : ''} |`;

const { cases, checks, notes } = options.only === 'sheets' ? { cases: [], checks: [], notes: [] } : await runPostgresBench(options);
const lines = [
  `postgres benchmark (batch size ${options.batchSize}, node ${process.version})`,
  `note: ${FIELDSYNC_CASE_RUNTIME}.`,
  '',
  '| target | case | rows | time | rows/s | entity rows written | lineage rows written | peak RSS MB (before sync) | note / engine phases |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...cases.map(format),
  '',
  '| target | check | value | target | pass | pairs (each next to each other in time; the value is their median) |',
  '| --- | --- | --- | --- | --- | --- |',
  ...checks.map((check) => `| ${check.target} | ${check.check} | ${check.value} | ${check.limit} | ${check.pass ? 'yes' : 'NO'} | ${check.pairs?.join(', ') ?? ''} |`),
];
if (options.only !== 'sheets') console.log(lines.join('\n'));
const directory = new URL('./results/', import.meta.url);
await mkdir(directory, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
if (options.only !== 'sheets') {
  await writeFile(new URL(`postgres-${stamp}.json`, directory), JSON.stringify({ options: { ...options, databaseUrl: options.databaseUrl ? 'set' : 'unset' }, notes, cases, checks }, null, 2));
}

if (options.databaseUrl && options.sheetsRows > 0) {
  const sheets = await runSheetsBench({ rows: options.sheetsRows, batchSize: options.batchSize, databaseUrl: options.databaseUrl });
  const seconds = (ms: number) => (ms / 1000).toFixed(2);
  console.log(
    [
      '',
      `end to end: Sheets API emulator -> googleapis -> fieldsync -> PostgreSQL server (batch size ${options.batchSize})`,
      '',
      '| case | rows | total s | fetch s | transform s | load s | reconcile s | write s | Sheets requests | rows written | lineage rows | peak RSS MB (before) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...sheets.map(
        (each) =>
          `| ${each.name} | ${each.rows.toLocaleString('en-US')} | ${seconds(each.totalMs)} | ${seconds(each.fetchMs)} | ${seconds(each.transformMs)} | ${seconds(each.loadMs)} | ${seconds(each.reconcileMs)} | ${seconds(each.writeMs)} | ${each.sheetsRequests} | ${each.rowsWritten} | ${each.lineageRows} | ${Math.round(each.peakRssMb)} (${Math.round(each.baseRssMb)}) |`,
      ),
    ].join('\n'),
  );
  await writeFile(new URL(`sheets-e2e-${stamp}.json`, directory), JSON.stringify({ options: { rows: options.sheetsRows, batchSize: options.batchSize }, cases: sheets }, null, 2));
}
