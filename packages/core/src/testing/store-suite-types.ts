import { expect, it } from 'vitest';
import { stableUuid } from '../config/ids.js';
import type { FieldValue } from '../values.js';
import type { TestStoreOptions } from './contract-types.js';
import { KEY_FIELD, PARTNERS, PARTNER_COLUMNS, describeGroup, partnerCreate, partnersBatch, startRun } from './store-suite-context.js';

interface TypeCase {
  /** What the case checks, for the test name. */
  name: string;
  field: string;
  written: FieldValue;
  /** What the store must return after writing `written`. */
  expected: unknown;
}

/** The "Values by column type" table of docs/architecture.md, one case per row and accepted input. */
const TYPE_CASES: TypeCase[] = [
  { name: 'text from a string', field: 'brand_name', written: 'Acme Outdoor GmbH', expected: 'Acme Outdoor GmbH' },
  { name: 'text from a number', field: 'brand_name', written: 42, expected: '42' },
  { name: 'text from a boolean', field: 'brand_name', written: true, expected: 'true' },
  { name: 'numeric from a number', field: 'revenue', written: 1234.56, expected: 1234.56 },
  { name: 'numeric from a numeric string', field: 'revenue', written: '99.95', expected: 99.95 },
  { name: 'integer from a number', field: 'staff_count', written: 12, expected: 12 },
  { name: 'integer from a numeric string', field: 'staff_count', written: '7', expected: 7 },
  { name: 'boolean true', field: 'active', written: true, expected: true },
  { name: 'boolean false', field: 'active', written: false, expected: false },
  { name: 'date from a YYYY-MM-DD string', field: 'onboarded', written: '2024-03-05', expected: '2024-03-05' },
  { name: 'date from a Date at UTC midnight', field: 'onboarded', written: new Date('2024-03-05T00:00:00Z'), expected: '2024-03-05' },
  { name: 'date from a Date late in the UTC day', field: 'onboarded', written: new Date('2024-03-05T23:30:00Z'), expected: '2024-03-05' },
  { name: 'timestamptz from a Date', field: 'last_contact', written: new Date('2024-06-01T09:30:15.250Z'), expected: new Date('2024-06-01T09:30:15.250Z') },
  { name: 'timestamptz from an ISO string with an offset', field: 'last_contact', written: '2024-06-01T11:30:00+02:00', expected: new Date('2024-06-01T09:30:00Z') },
  { name: 'jsonb object', field: 'meta', written: { tier: 'gold', regions: ['EU', 'US'], score: 4.5, flags: { vip: true, churned: null } }, expected: { tier: 'gold', regions: ['EU', 'US'], score: 4.5, flags: { vip: true, churned: null } } },
  { name: 'jsonb array', field: 'meta', written: [1, 'two', { three: 3 }], expected: [1, 'two', { three: 3 }] },
  { name: 'jsonb string', field: 'meta', written: 'plain text', expected: 'plain text' },
  { name: 'jsonb number', field: 'meta', written: 17, expected: 17 },
  { name: 'text[] with items', field: 'tags', written: ['wholesale', 'eu', 'priority'], expected: ['wholesale', 'eu', 'priority'] },
  { name: 'text[] empty', field: 'tags', written: [], expected: [] },
  { name: 'uuid', field: 'account_manager_id', written: stableUuid('manager-anna'), expected: stableUuid('manager-anna') },
  ...Object.keys(PARTNER_COLUMNS)
    .filter((field) => field !== KEY_FIELD)
    .map((field) => ({ name: `${PARTNER_COLUMNS[field]} null`, field, written: null, expected: null })),
];

/** Values survive a write and a read as the column-type table says. */
export function typesGroup(options: TestStoreOptions): void {
  describeGroup(options, 'types', (context) => {
    it.each(TYPE_CASES)('applyBatch and loadEntities - round-trip $name', async ({ field, written, expected }) => {
      const run = await startRun(context.store);
      await context.store.applyBatch(partnersBatch(run.id, { creates: [partnerCreate('P-100', { [field]: written })] }));
      const loaded = await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: ['P-100'], fields: [field], withOwners: false });
      const value = loaded.get('P-100')?.values[field];
      if (expected instanceof Date) {
        expect(value).toBeInstanceOf(Date);
        expect((value as Date).toISOString()).toBe(expected.toISOString());
      } else {
        expect(value).toEqual(expected);
      }
    });

    it.each(TYPE_CASES.filter((typeCase) => typeCase.expected !== null))('applyBatch - an update sets $name and an update to null clears it', async ({ field, written, expected }) => {
      const run = await startRun(context.store);
      await context.store.applyBatch(partnersBatch(run.id, { creates: [partnerCreate('P-101')] }));
      const id = (await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: ['P-101'], fields: [], withOwners: false })).get('P-101')?.id;
      expect(id).toBeTypeOf('string');
      await context.store.applyBatch(partnersBatch(run.id, { updates: [{ id: String(id), key: 'P-101', values: { [field]: written } }] }));
      const read = async () => (await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: ['P-101'], fields: [field], withOwners: false })).get('P-101')?.values[field];
      const value = await read();
      if (expected instanceof Date) expect((value as Date).getTime()).toBe(expected.getTime());
      else expect(value).toEqual(expected);
      await context.store.applyBatch(partnersBatch(run.id, { updates: [{ id: String(id), key: 'P-101', values: { [field]: null } }] }));
      expect(await read()).toBeNull();
    });
  });
}
