/**
 * Benchmarks. `npx -y pnpm@12.4.2 bench` from the repository root runs them all; flags:
 * `--rows N` (server rows, default 100000), `--pglite-rows N` (default 20000, 0 to skip),
 * `--naive-rows N` (rows the naive engine really writes, default 1000), `--batch-size N`
 * (engine batch size, default 500 as the engine's). The server is DATABASE_URL (skipped when unset).
 * Prints a table and writes JSON to bench/results/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { runPostgresBench, type BenchCase } from './postgres.js';

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
  databaseUrl: process.env.DATABASE_URL,
};

const format = (each: BenchCase) =>
  `| ${each.target} | ${each.name} | ${each.rows.toLocaleString('en-US')} | ${(each.ms / 1000).toFixed(2)} s | ${Math.round(each.rows / (each.ms / 1000)).toLocaleString('en-US')} | ${each.entityRowsWritten ?? ''} | ${each.lineageRowsWritten ?? ''} | ${each.peakRssMb === undefined ? '' : `${Math.round(each.peakRssMb)} (${Math.round(each.baseRssMb ?? 0)} before)`} | ${each.note ?? (each.phases ? Object.entries(each.phases).map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)}`).join(', ') + ' s' : '')} |`;

const { cases, checks } = await runPostgresBench(options);
const lines = [
  `postgres benchmark (batch size ${options.batchSize}, node ${process.version})`,
  '',
  '| target | case | rows | time | rows/s | entity rows written | lineage rows written | peak RSS MB (before sync) | note / engine phases |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...cases.map(format),
  '',
  '| target | check | value | target | pass |',
  '| --- | --- | --- | --- | --- |',
  ...checks.map((check) => `| ${check.target} | ${check.check} | ${check.value} | ${check.limit} | ${check.pass ? 'yes' : 'NO'} |`),
];
console.log(lines.join('\n'));
const directory = new URL('./results/', import.meta.url);
await mkdir(directory, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
await writeFile(new URL(`postgres-${stamp}.json`, directory), JSON.stringify({ options: { ...options, databaseUrl: options.databaseUrl ? 'set' : 'unset' }, cases, checks }, null, 2));
