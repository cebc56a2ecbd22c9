import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { columnMappingSchema, dataSourceSchema, tabMappingSchema, type ColumnMappingConfig, type DataSourceConfig, type TabMappingConfig } from '../config/schema.js';
import type { ReadRequest, SourceBatch, SourceReader } from '../strategy.js';
import type { StrategyFixture, StrategyUnderTest } from '../testing/contract-types.js';
import { defineMapping } from '../config/define-mapping.js';
import { createSyncEngine } from '../engine/create-sync-engine.js';
import { memoryStore } from '../testing/memory-store.js';
import { testStrategy } from '../testing/test-strategy.js';
import { csvFile, type CsvFileOptions } from './csv-file.js';

/** CSV text of a header and rows, quoting what needs it. */
function csvText(rows: string[][], delimiter = ','): string {
  const quote = (cell: string) => (/["\n\r]|^\s|\s$/.test(cell) || cell.includes(delimiter) ? `"${cell.replace(/"/g, '""')}"` : cell);
  return rows.map((row) => row.map(quote).join(delimiter)).join('\n') + '\n';
}

function dataSource(connectorConfig: Record<string, unknown> = {}): DataSourceConfig {
  return dataSourceSchema.parse({ id: 'csv-imports', name: 'Partner Import', type: 'csv', connectorConfig });
}

function tab(tabName: string, extra: Partial<{ options: Record<string, unknown>; headerRow: number }> = {}): TabMappingConfig {
  return tabMappingSchema.parse({ id: 'csv-partners', dataSourceId: 'csv-imports', tabName, primaryEntity: 'partners', ...extra });
}

function mappings(sourceColumns: string[]): ColumnMappingConfig[] {
  return sourceColumns.map((sourceColumn, index) =>
    columnMappingSchema.parse({ tabMappingId: 'csv-partners', sourceColumn, targetField: `field_${index}`, isKey: index === 0 }),
  );
}

function request(source: DataSourceConfig, tabConfig: TabMappingConfig, columns: string[], overrides: Partial<ReadRequest> = {}): ReadRequest {
  return { dataSource: source, tab: tabConfig, columns: mappings(columns), batchSize: 10, state: null, signal: new AbortController().signal, ...overrides };
}

async function readAll(reader: SourceReader): Promise<SourceBatch[]> {
  const batches: SourceBatch[] = [];
  try {
    for await (const batch of reader.batches()) batches.push(batch);
  } finally {
    await reader.close?.();
  }
  return batches;
}

async function underTest(fixture: StrategyFixture, headers: string[]): Promise<StrategyUnderTest> {
  const directory = await mkdtemp(join(tmpdir(), 'fieldsync-csv-suite-'));
  const keep = headers.map((header) => fixture.headers.indexOf(header));
  await writeFile(join(directory, 'partners.csv'), csvText([headers, ...fixture.rows.map((row) => keep.map((index) => row[index] ?? ''))]));
  return {
    strategy: csvFile({ baseDir: directory }),
    dataSource: dataSource(),
    tab: tab('partners.csv'),
    columns: mappings(fixture.headers),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}

testStrategy({
  name: 'csvFile',
  create: (fixture) => underTest(fixture, fixture.headers),
  createWithMissingColumn: (fixture, missing) => underTest(fixture, fixture.headers.filter((header) => header !== missing)),
});

describe('csvFile', () => {
  let directory = '';
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'fieldsync-csv-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function read(content: string, columns: string[], options: { csv?: CsvFileOptions; tab?: TabMappingConfig; request?: Partial<ReadRequest> } = {}) {
    await writeFile(join(directory, 'partners.csv'), content);
    const reader = await csvFile({ baseDir: directory, ...options.csv }).open(request(dataSource(), options.tab ?? tab('partners.csv'), columns, options.request));
    const batches = await readAll(reader);
    return { reader, batches, rows: batches.flatMap((batch) => batch.rows) };
  }

  it('open - finds the file by tab options.path, then connectorConfig.path, then baseDir + tabName', async () => {
    await writeFile(join(directory, 'a.csv'), 'Code\nFROM-TAB\n');
    await writeFile(join(directory, 'b.csv'), 'Code\nFROM-SOURCE\n');
    await writeFile(join(directory, 'c.csv'), 'Code\nFROM-BASEDIR\n');
    const codes = async (source: DataSourceConfig, tabConfig: TabMappingConfig, options: CsvFileOptions) =>
      (await readAll(await csvFile(options).open(request(source, tabConfig, ['Code'])))).flatMap((batch) => batch.rows.map((row) => row.values.Code));
    expect(await codes(dataSource({ path: join(directory, 'b.csv') }), tab('c.csv', { options: { path: join(directory, 'a.csv') } }), { baseDir: directory })).toEqual(['FROM-TAB']);
    expect(await codes(dataSource({ path: 'b.csv' }), tab('c.csv'), { baseDir: directory })).toEqual(['FROM-SOURCE']);
    expect(await codes(dataSource(), tab('c.csv'), { baseDir: directory })).toEqual(['FROM-BASEDIR']);
  });

  it('open - rejects a missing file with SOURCE_NOT_FOUND naming the path', async () => {
    const missing = join(directory, 'missing.csv');
    await expect(csvFile().open(request(dataSource({ path: missing }), tab('missing.csv'), ['Code']))).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', message: expect.stringContaining(missing) });
  });

  it('open - rejects a tab with no file path as a configuration error, and a tab name leaving baseDir', async () => {
    await expect(csvFile().open(request(dataSource(), tab('partners.csv'), ['Code']))).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID', message: expect.stringContaining('baseDir') });
    await expect(csvFile({ baseDir: directory }).open(request(dataSource(), tab('../outside.csv'), ['Code']))).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID' });
  });

  it('csvFile - rejects invalid options, naming them', () => {
    expect(() => csvFile({ delimiter: '' })).toThrow(expect.objectContaining({ code: 'CONFIGURATION_INVALID', message: expect.stringContaining('delimiter') }));
  });

  it('open - matches headers ignoring case and whitespace, or by column letter, and labels the columns', async () => {
    const { reader, rows } = await read('Code,  Brand   NAME ,Revenue\nP-1,Acme,10\n', ['code', 'Brand Name', 'C']);
    expect(rows[0]?.values).toEqual({ code: 'P-1', 'Brand Name': 'Acme', C: '10' });
    expect(reader.columns.get('Brand Name')).toEqual({ label: 'B (Brand   NAME)', letter: 'B' });
    expect(reader.columns.get('C')).toEqual({ label: 'C (Revenue)', letter: 'C' });
    expect(reader.label).toBe('Partner Import > partners.csv');
  });

  it('open - rejects a missing mapped column with SOURCE_SCHEMA_MISMATCH naming the file, the column and the headers', async () => {
    await writeFile(join(directory, 'partners.csv'), 'Code,Brand Name\nP-1,Acme\n');
    const error = await csvFile({ baseDir: directory })
      .open(request(dataSource(), tab('partners.csv'), ['Code', 'Revenue']))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SOURCE_SCHEMA_MISMATCH' });
    expect((error as Error).message).toContain('partners.csv');
    expect((error as Error).message).toContain("'Revenue'");
    expect((error as Error).message).toContain("'Code', 'Brand Name'");
  });

  it('open - warns about blank and duplicate headers and reads the first of duplicates', async () => {
    const { reader, rows } = await read('Code,,Brand,brand\nP-1,x,First,Second\n', ['Code', 'Brand', 'B']);
    expect(rows[0]?.values).toEqual({ Code: 'P-1', Brand: 'First', B: 'x' });
    expect(reader.warnings?.some((warning) => warning.includes('column B has no header'))).toBe(true);
    expect(reader.warnings?.some((warning) => warning.includes('columns C and D'))).toBe(true);
  });

  it('batches - strip the BOM and keep quoted commas, doubled quotes and newlines', async () => {
    const { rows } = await read('\uFEFFCode,Notes\nP-1,"Line one\nline two, with ""quotes"""\nP-2,plain\n', ['Code', 'Notes']);
    expect(rows.map((row) => row.values)).toEqual([
      { Code: 'P-1', Notes: 'Line one\nline two, with "quotes"' },
      { Code: 'P-2', Notes: 'plain' },
    ]);
    expect(rows.map((row) => row.address.row)).toEqual([2, 3]);
  });

  it('batches - use the delimiter of the options, or of the tab', async () => {
    const fromOptions = await read('Code;Revenue\nP-1;1,5\n', ['Code', 'Revenue'], { csv: { delimiter: ';' } });
    expect(fromOptions.rows[0]?.values).toEqual({ Code: 'P-1', Revenue: '1,5' });
    const fromTab = await read('Code\tRevenue\nP-1\t2,5\n', ['Code', 'Revenue'], { tab: tab('partners.csv', { options: { delimiter: '\t' } }) });
    expect(fromTab.rows[0]?.values).toEqual({ Code: 'P-1', Revenue: '2,5' });
  });

  it('batches - give short rows empty cells and warn about long rows', async () => {
    const { reader, rows } = await read('Code,Brand,Revenue\nP-1\nP-2,Birch,20,extra\nP-3,Cobalt,30,\n', ['Code', 'Brand', 'Revenue']);
    expect(rows.map((row) => row.values)).toEqual([
      { Code: 'P-1', Brand: '', Revenue: '' },
      { Code: 'P-2', Brand: 'Birch', Revenue: '20' },
      { Code: 'P-3', Brand: 'Cobalt', Revenue: '30' },
    ]);
    expect(reader.warnings?.filter((warning) => warning.includes('more cells') || warning.includes('cells but the header'))).toEqual([expect.stringContaining('row 3 has 4 cells')]);
  });

  it('batches - read the header from tab.headerRow and skip blank rows, keeping row numbers', async () => {
    const { rows } = await read('Exported 2024-05-01\n\nCode,Brand\nP-1,Acme\n,\nP-2,Birch\n', ['Code', 'Brand'], { tab: tab('partners.csv', { headerRow: 3 }) });
    expect(rows.map((row) => [row.address.row, row.values.Code])).toEqual([
      [4, 'P-1'],
      [6, 'P-2'],
    ]);
  });

  it('batches - reject an unclosed quote with a SourceError naming the file and line', async () => {
    await writeFile(join(directory, 'partners.csv'), 'Code,Brand\nP-1,Acme\nP-2,"Birch\nP-3,Cobalt\n');
    const reader = await csvFile({ baseDir: directory }).open(request(dataSource(), tab('partners.csv'), ['Code', 'Brand']));
    const error = await readAll(reader).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'SourceError', code: 'SOURCE_INVALID_RESPONSE' });
    expect((error as Error).message).toContain('partners.csv');
    expect((error as Error).message).toContain('line 3');
  });

  it('batches - stop at rowLimit across batches', async () => {
    const lines = Array.from({ length: 40 }, (_, index) => `P-${index + 1},Brand ${index + 1}`);
    const { batches, rows } = await read(`Code,Brand\n${lines.join('\n')}\n`, ['Code', 'Brand'], { request: { rowLimit: 23, batchSize: 10 } });
    expect(batches.map((batch) => batch.rows.length)).toEqual([10, 10, 3]);
    expect(rows.at(-1)?.values.Code).toBe('P-23');
  });

  // Reads /proc to see the process's open files, so it runs on Linux only.
  it.runIf(process.platform === 'linux')('batches - close the file when the read stops early', async () => {
    const path = join(directory, 'partners.csv');
    // Large enough that the stream cannot have read it all when the first batch arrives.
    await writeFile(path, `Code\n${Array.from({ length: 200_000 }, (_, index) => `P-${index}`).join('\n')}\n`);
    const openFiles = async () => Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(join('/proc/self/fd', fd)).catch(() => '')));
    const reader = await csvFile({ baseDir: directory }).open(request(dataSource(), tab('partners.csv'), ['Code'], { batchSize: 5 }));
    expect(await openFiles()).toContain(path);
    for await (const batch of reader.batches()) {
      expect(batch.rows).toHaveLength(5);
      break;
    }
    expect(await openFiles()).not.toContain(path);
  });

  // Uses a named pipe (mkfifo), so it runs on Linux only.
  it.runIf(process.platform === 'linux')('batches - yield the first batch before the rest of the file exists', async () => {
    const path = join(directory, 'partners.csv');
    execFileSync('mkfifo', [path]);
    const writer = createWriteStream(path);
    // One row more than the batch: the parser holds back the tail of a chunk until more arrives.
    writer.write(`Code\n${Array.from({ length: 6 }, (_, index) => `P-${index}`).join('\n')}\n`);
    const reader = await csvFile({ baseDir: directory }).open(request(dataSource(), tab('partners.csv'), ['Code'], { batchSize: 5 }));
    const iterator = reader.batches()[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done ? [] : first.value.rows.map((row) => row.values.Code)).toEqual(['P-0', 'P-1', 'P-2', 'P-3', 'P-4']);
    writer.end('P-6\n');
    const second = await iterator.next();
    expect(second.done ? [] : second.value.rows.map((row) => row.values.Code)).toEqual(['P-5', 'P-6']);
    expect((await iterator.next()).done).toBe(true);
    await reader.close?.();
  });

  it('csvFile - syncs a file into entities with lineage that names the file, column and row', async () => {
    await writeFile(join(directory, 'partners.csv'), '\uFEFFPartner Code,Brand Name,Revenue\nP-1,Acme Outdoor,1200.50\nP-2,"Birch, Oak & Co",80\n');
    const store = memoryStore({ tables: { partners: { columns: { partner_code: 'text', brand_name: 'text', revenue: 'numeric' }, uniqueKeys: ['partner_code'] } } });
    const config = defineMapping({
      dataSources: [
        {
          id: 'partner-import',
          name: 'Partner Import',
          type: 'csv',
          tabs: [
            {
              id: 'partners-csv',
              tabName: 'partners.csv',
              entity: 'partners',
              columns: { 'partner code': { field: 'partner_code', key: true }, B: { field: 'brand_name' }, Revenue: { field: 'revenue', transform: 'number' } },
            },
          ],
        },
      ],
    });
    const engine = createSyncEngine({ store, strategies: [csvFile({ baseDir: directory })], config });
    const result = await engine.syncTab('partners-csv');
    expect(result.success).toBe(true);
    expect(store.entities('partners').map((partner) => [partner.partner_code, partner.brand_name, partner.revenue])).toEqual([
      ['P-1', 'Acme Outdoor', 1200.5],
      ['P-2', 'Birch, Oak & Co', 80],
    ]);
    const brandLineage = store.lineage().find((row) => row.entityKey === 'P-2' && row.fieldName === 'brand_name');
    expect(brandLineage?.sourceType).toBe('csv');
    expect(brandLineage?.sourceRef).toContain('Partner Import > partners.csv');
    expect(brandLineage?.sourceRef).toContain('B (Brand Name)');
    expect(brandLineage?.sourceRef).toContain('3');
    await engine.dispose();
  });

  // Regression: warnings found while reading (a long row) were lost because the engine read them only after open.
  it('csvFile - a run keeps warnings found while reading', async () => {
    await writeFile(join(directory, 'ragged.csv'), 'Code,Name\nP-1,Acme,extra cell\nP-2,Birch\n');
    const store = memoryStore();
    const config = defineMapping({
      dataSources: [{ id: 'import', name: 'Import', type: 'csv', tabs: [{ id: 'ragged', tabName: 'ragged.csv', entity: 'partners', columns: { Code: { field: 'code', key: true }, Name: { field: 'name' } } }] }],
    });
    const engine = createSyncEngine({ store, strategies: [csvFile({ baseDir: directory })], config });
    const result = await engine.syncTab('ragged');
    expect(result.warnings).toEqual([expect.stringContaining('row 2 has 3 cells')]);
    expect((await store.getRun(result.syncRunId))?.warnings).toEqual(result.warnings);
    await engine.dispose();
  });
});
