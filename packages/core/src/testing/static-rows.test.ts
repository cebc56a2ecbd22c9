import { describe, expect, it } from 'vitest';
import { columnMappingSchema, dataSourceSchema, tabMappingSchema, type ColumnMappingConfig } from '../config/schema.js';
import type { ReadRequest } from '../strategy.js';
import type { StrategyFixture, StrategyUnderTest } from './contract-types.js';
import { staticRows } from './static-rows.js';
import { drain } from './strategy-suite-context.js';
import { testStrategy } from './test-strategy.js';

const dataSource = dataSourceSchema.parse({ id: 'static-master', name: 'Master Sheet', type: 'static' });
const tab = tabMappingSchema.parse({ id: 'static-partners', dataSourceId: 'static-master', tabName: 'Partners', primaryEntity: 'partners' });

function mappings(headers: string[]): ColumnMappingConfig[] {
  return headers.map((header, index) =>
    columnMappingSchema.parse({ tabMappingId: 'static-partners', sourceColumn: header, targetField: header.toLowerCase().replace(/\W+/g, '_'), isKey: index === 0 }),
  );
}

function objects(fixture: StrategyFixture): Array<Record<string, unknown>> {
  return fixture.rows.map((row) => Object.fromEntries(fixture.headers.map((header, index) => [header, row[index] ?? ''])));
}

function underTest(fixture: StrategyFixture, declaredHeaders: string[]): StrategyUnderTest {
  const rows = objects(fixture);
  const strategy = staticRows({ tabs: { Partners: rows }, columns: { Partners: declaredHeaders } });
  return {
    strategy,
    dataSource,
    tab,
    columns: mappings(fixture.headers),
    async edit(key, header, value) {
      strategy.setRows('Partners', rows.map((row) => (row[fixture.headers[0] ?? ''] === key ? { ...row, [header]: value } : row)));
    },
    async cleanup() {},
  };
}

testStrategy({
  name: 'staticRows',
  create: async (fixture) => underTest(fixture, fixture.headers),
  createWithMissingColumn: async (fixture, missing) => underTest(fixture, fixture.headers.filter((header) => header !== missing)),
});

function request(overrides: Partial<ReadRequest> = {}): ReadRequest {
  return { dataSource, tab, columns: mappings(['Code', 'Brand Name']), batchSize: 10, state: null, signal: new AbortController().signal, ...overrides };
}

describe('staticRows', () => {
  it('open - rejects an unknown tab with SOURCE_NOT_FOUND naming it', async () => {
    const strategy = staticRows({ tabs: { Staff: [] } });
    await expect(strategy.open(request())).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', message: expect.stringContaining("'Partners'") });
  });

  it('batches - report deleted keys with the last batch, and setDeleted replaces them', async () => {
    const strategy = staticRows({ tabs: { Partners: [{ Code: 'P-1', 'Brand Name': 'Acme' }] }, deleted: { Partners: ['P-9'] } });
    const first = await drain(await strategy.open(request()));
    expect(first.batches.at(-1)?.deleted).toEqual([{ key: 'P-9' }]);
    strategy.setDeleted('Partners', ['P-7', 'P-8']);
    const second = await drain(await strategy.open(request()));
    expect(second.batches.flatMap((batch) => batch.deleted ?? []).map((record) => record.key)).toEqual(['P-7', 'P-8']);
  });

  it('setRows - changes what the next read yields, not a read already open', async () => {
    const strategy = staticRows({ tabs: { Partners: [{ Code: 'P-1', 'Brand Name': 'Acme' }] } });
    const open = await strategy.open(request());
    strategy.setRows('Partners', [{ Code: 'P-1', 'Brand Name': 'Acme Outdoor' }, { Code: 'P-2', 'Brand Name': 'Birch' }]);
    expect((await drain(open)).rows.map((row) => row.values['Brand Name'])).toEqual(['Acme']);
    expect((await drain(await strategy.open(request()))).rows.map((row) => row.values['Brand Name'])).toEqual(['Acme Outdoor', 'Birch']);
  });

  it('open - derives column letters from the order of the row keys when no headers are declared', async () => {
    const strategy = staticRows({ tabs: { Partners: [{ Code: 'P-1', Notes: 'x', 'Brand Name': 'Acme' }] } });
    const reader = await strategy.open(request());
    expect(reader.columns.get('Brand Name')).toEqual({ label: 'C (Brand Name)', letter: 'C' });
    expect(reader.label).toBe('Master Sheet > Partners');
  });

  it('batches - give rows the address of their sheet row and their key as id', async () => {
    const strategy = staticRows({ tabs: { Partners: [{ Code: 'P-1' }, { Code: '' }, { Code: 'P-3' }] } });
    const { rows } = await drain(await strategy.open(request()));
    expect(rows.map((row) => row.address)).toEqual([{ row: 2, id: 'P-1' }, { row: 3 }, { row: 4, id: 'P-3' }]);
  });

  it('batches - reject with SYNC_ABORTED once aborted', async () => {
    const controller = new AbortController();
    const strategy = staticRows({ tabs: { Partners: Array.from({ length: 30 }, (_, index) => ({ Code: `P-${index}` })) } });
    const reader = await strategy.open(request({ signal: controller.signal }));
    await expect(drain(reader, () => controller.abort())).rejects.toMatchObject({ code: 'SYNC_ABORTED' });
  });
});
