import { columnMappingSchema, dataSourceSchema, tabMappingSchema } from '@fieldsync/core';
import { testStrategy } from '@fieldsync/core/testing';
import type { StrategyFixture, StrategyUnderTest } from '@fieldsync/core/testing';
import { close } from './close-strategy.js';
import { createCloseEmulator } from './testing/close-emulator.js';

/**
 * The fixture becomes leads: `Code` (the key) a text custom field, `Brand Name` the lead's
 * `name`, `Revenue` a number custom field, `Onboarded` a date custom field. Rows are created one
 * second apart, so Close's `date_updated` order is the fixture order.
 */
const SOURCE_COLUMNS: Record<string, string> = { Code: 'custom.Code', 'Brand Name': 'name', Revenue: 'custom.Revenue', Onboarded: 'custom.Onboarded' };
const FIELD_TYPES: Record<string, string> = { Code: 'text', Revenue: 'number', Onboarded: 'date' };

async function create(fixture: StrategyFixture, missingHeader?: string): Promise<StrategyUnderTest> {
  const emulator = await createCloseEmulator();
  emulator.setTime('2026-02-01T09:00:00.000Z');
  for (const header of fixture.headers) {
    const type = FIELD_TYPES[header];
    if (type && header !== missingHeader) emulator.defineCustomField({ objectType: 'lead', name: header, type });
  }
  const idsByKey = new Map<string, string>();
  for (const row of fixture.rows) {
    const custom: Record<string, unknown> = {};
    let name = '';
    fixture.headers.forEach((header, index) => {
      const value = row[index] ?? '';
      if (header === 'Brand Name') name = value;
      else if (header !== missingHeader && value !== '') custom[header] = FIELD_TYPES[header] === 'number' ? Number(value) : value;
    });
    idsByKey.set(row[0] ?? '', emulator.addLead({ name, custom }).id);
    emulator.advanceTime(1000);
  }
  const dataSource = dataSourceSchema.parse({ id: 'close-contract', name: 'Close', type: 'close' });
  const tab = tabMappingSchema.parse({ id: 'close-contract-leads', dataSourceId: 'close-contract', tabName: 'lead', primaryEntity: 'partners' });
  const columns = fixture.headers.map((header, index) =>
    columnMappingSchema.parse({ tabMappingId: 'close-contract-leads', sourceColumn: SOURCE_COLUMNS[header] ?? header, targetField: `field_${index}`, isKey: index === 0 }),
  );
  return {
    strategy: close({ apiKey: emulator.apiKey, baseUrl: emulator.url, pageSize: 7 }),
    dataSource,
    tab,
    columns,
    async edit(key, header, value) {
      const id = idsByKey.get(key);
      if (!id) throw new Error(`no lead with key ${key}`);
      emulator.advanceTime(1000);
      emulator.update(id, header === 'Brand Name' ? { name: value } : { custom: { [header]: value } });
    },
    cleanup: () => emulator.close(),
  };
}

testStrategy({
  name: 'close (leads on the Close emulator)',
  create: (fixture) => create(fixture),
  createWithMissingColumn: (fixture, missingHeader) => create(fixture, missingHeader),
});
