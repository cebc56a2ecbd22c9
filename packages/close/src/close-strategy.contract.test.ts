import { columnMappingSchema, dataSourceSchema, tabMappingSchema } from '@fieldsync/core';
import { testStrategy } from '@fieldsync/core/testing';
import type { StrategyFixture, StrategyUnderTest } from '@fieldsync/core/testing';
import { close } from './close-strategy.js';
import { createCloseEmulator } from './testing/close-emulator.js';

/**
 * The fixture becomes leads (or opportunities, with `note` for the brand): `Code` (the key) a text custom field, `Brand Name` the lead's
 * `name`, `Revenue` a number custom field, `Onboarded` a date custom field. Rows are created one
 * second apart, so Close's `date_updated` order is the fixture order.
 */
type Kind = 'lead' | 'opportunity';
const BRAND_FIELD: Record<Kind, string> = { lead: 'name', opportunity: 'note' };
const sourceColumns = (kind: Kind): Record<string, string> => ({ Code: 'custom.Code', 'Brand Name': BRAND_FIELD[kind], Revenue: 'custom.Revenue', Onboarded: 'custom.Onboarded' });
const FIELD_TYPES: Record<string, string> = { Code: 'text', Revenue: 'number', Onboarded: 'date' };

async function create(kind: Kind, fixture: StrategyFixture, missingHeader?: string): Promise<StrategyUnderTest> {
  const emulator = await createCloseEmulator();
  emulator.setTime('2026-02-01T09:00:00.000Z');
  for (const header of fixture.headers) {
    const type = FIELD_TYPES[header];
    if (type && header !== missingHeader) emulator.defineCustomField({ objectType: kind, name: header, type });
  }
  const owner = kind === 'opportunity' ? emulator.addLead({ name: 'Owner' }).id : '';
  const idsByKey = new Map<string, string>();
  for (const row of fixture.rows) {
    const custom: Record<string, unknown> = {};
    let name = '';
    fixture.headers.forEach((header, index) => {
      const value = row[index] ?? '';
      if (header === 'Brand Name') name = value;
      else if (header !== missingHeader && value !== '') custom[header] = FIELD_TYPES[header] === 'number' ? Number(value) : value;
    });
    const record = kind === 'lead' ? emulator.addLead({ name, custom }) : emulator.addOpportunity({ lead_id: owner, note: name, custom });
    idsByKey.set(row[0] ?? '', record.id);
    emulator.advanceTime(1000);
  }
  const dataSource = dataSourceSchema.parse({ id: 'close-contract', name: 'Close', type: 'close' });
  const tab = tabMappingSchema.parse({ id: `close-contract-${kind}`, dataSourceId: 'close-contract', tabName: kind, primaryEntity: 'partners' });
  const columns = fixture.headers.map((header, index) =>
    columnMappingSchema.parse({ tabMappingId: `close-contract-${kind}`, sourceColumn: sourceColumns(kind)[header] ?? header, targetField: `field_${index}`, isKey: index === 0 }),
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
      emulator.update(id, header === 'Brand Name' ? { [BRAND_FIELD[kind]]: value } : { custom: { [header]: value } });
    },
    cleanup: () => emulator.close(),
  };
}

testStrategy({
  name: 'close (leads on the Close emulator)',
  create: (fixture) => create('lead', fixture),
  createWithMissingColumn: (fixture, missingHeader) => create('lead', fixture, missingHeader),
});

testStrategy({
  name: 'close (opportunities on the Close emulator)',
  create: (fixture) => create('opportunity', fixture),
  createWithMissingColumn: (fixture, missingHeader) => create('opportunity', fixture, missingHeader),
});
