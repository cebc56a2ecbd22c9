/**
 * End to end: N rows x 10 columns served by the Sheets API emulator (in a child process),
 * read through the real googleapis client, synced by fieldsync into PostgreSQL. Reports time
 * per phase (from the engine's own timings), Sheets requests and peak RSS of this process.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createSyncEngine, type SyncResult } from '@fieldsync/core';
import { googleSheets } from '@fieldsync/google-sheets';
import { postgresStore } from '@fieldsync/postgres';
import { google } from 'googleapis';
import { ENTITY_TABLE_SQL } from './bench-data.js';
import { sheetsMapping } from './sheets-e2e-data.js';

export interface SheetsBenchOptions {
  rows: number;
  batchSize: number;
  databaseUrl: string;
}

export interface SheetsBenchCase {
  name: string;
  rows: number;
  totalMs: number;
  fetchMs: number;
  transformMs: number;
  loadMs: number;
  reconcileMs: number;
  writeMs: number;
  sheetsRequests: number;
  rowsWritten: number;
  lineageRows: number;
  peakRssMb: number;
  /** RSS just before the sync started (the process with googleapis and pg loaded). */
  baseRssMb: number;
}

function startEmulator(rows: number) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL('./sheets-emulator-child.ts', import.meta.url)), String(rows)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (command: string) => {
    child.stdin.write(`${command}\n`);
    const line = await lines.next();
    return JSON.parse(String(line.value)) as Record<string, unknown>;
  };
  return {
    ready: lines.next().then((line) => JSON.parse(String(line.value)) as { url: string; spreadsheetId: string }),
    requests: async () => Number((await ask('count')).requests),
    edit: () => ask('edit'),
    stop: () => {
      child.stdin.write('exit\n');
      child.stdin.end();
    },
  };
}

async function measured(work: () => Promise<SyncResult>): Promise<{ result: SyncResult; peakRssMb: number; baseRssMb: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakRssMb: peak / 1024 / 1024, baseRssMb: base / 1024 / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

export async function runSheetsBench(options: SheetsBenchOptions): Promise<SheetsBenchCase[]> {
  const emulator = startEmulator(options.rows);
  const { url, spreadsheetId } = await emulator.ready;
  const schema = `fieldsync_bench_sheets_${process.pid}`;
  const store = postgresStore({ connectionString: options.databaseUrl, schema, entitySchema: schema });
  const auth = new google.auth.OAuth2();
  auth.setCredentials({ access_token: 'bench-token' });
  const client = google.sheets({ version: 'v4', auth, rootUrl: url });
  const engine = createSyncEngine({
    store,
    strategies: [googleSheets({ client, spreadsheetId, quota: false })],
    config: sheetsMapping,
    batchSize: options.batchSize,
  });
  const cases: SheetsBenchCase[] = [];
  const driver = await store.driver().catch(async () => {
    await store.init?.();
    return store.driver();
  });
  try {
    await driver.query(`create schema if not exists "${schema}"`);
    await store.init?.();
    await driver.query(ENTITY_TABLE_SQL(schema));
    const run = async (name: string) => {
      const before = await emulator.requests();
      const { result, peakRssMb, baseRssMb } = await measured(() => engine.syncTab('bench-sheets-partners'));
      const timings = result.timings;
      cases.push({
        name,
        rows: result.stats.rowsProcessed,
        totalMs: timings.total,
        fetchMs: timings.read,
        transformMs: timings.transform,
        loadMs: timings.load,
        reconcileMs: timings.reconcile,
        writeMs: timings.write,
        sheetsRequests: (await emulator.requests()) - before,
        rowsWritten: result.stats.rowsCreated + result.stats.rowsUpdated,
        lineageRows: result.stats.lineageCount,
        peakRssMb,
        baseRssMb,
      });
    };
    await run('initial sync');
    await run('re-sync, no change');
    await emulator.edit();
    await run('re-sync, 1% rows x 2 fields changed');
  } finally {
    await driver.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await engine.dispose();
    emulator.stop();
  }
  return cases;
}
