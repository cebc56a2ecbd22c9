import { describe, expect, it } from 'vitest';
import { defineMapping } from '../config/define-mapping.js';
import { testMapping } from './test-mapping.js';

type Entities = { partners: { partner_code: string; brand_name: string; revenue: number; active: boolean; notes: string } };

const mapping = defineMapping<Entities>({
  dataSources: [
    {
      id: 'master-sheet',
      name: 'Master Sheet',
      type: 'google_sheet',
      tabs: [
        {
          id: 'partners',
          tabName: 'Partners',
          entity: 'partners',
          columns: {
            Code: { field: 'partner_code', key: true },
            'Brand Name': { field: 'brand_name', required: true },
            Revenue: { field: 'revenue', transform: 'currency' },
            Active: { field: 'active', transform: 'boolean' },
            Notes: { field: 'notes', authority: 'reference' },
          },
        },
      ],
    },
  ],
});

describe('testMapping', () => {
  it('testMapping - returns typed changes for new rows with no store or network', async () => {
    const result = await testMapping({ mapping, rows: [{ Code: 'P1', 'Brand Name': ' Acme ', Revenue: '$1,200.50', Active: '✓' }] });
    expect(result.errors).toEqual([]);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({ type: 'create', keyValue: 'P1' });
    const fields = Object.fromEntries(result.changes[0]!.fields.map((field) => [field.field, field.next]));
    expect(fields).toEqual({ partner_code: 'P1', brand_name: 'Acme', revenue: 1200.5, active: true });
  });

  it('testMapping - diffs against existing entities and reports reference conflicts', async () => {
    const result = await testMapping({
      mapping,
      existing: [{ partner_code: 'P1', brand_name: 'Acme', revenue: 1200.5, active: true, notes: 'kept' }],
      rows: [{ Code: 'P1', 'Brand Name': 'Acme', Revenue: '1200.50', Active: 'no', Notes: 'from sheet' }],
    });
    expect(result.changes[0]?.fields.map((field) => [field.field, field.previous, field.next])).toEqual([['active', true, false]]);
    expect(result.conflicts).toMatchObject([{ field: 'notes', reason: 'reference', losingValue: 'from sheet', currentValue: 'kept' }]);
  });

  it('testMapping - reports row errors with row, column and address', async () => {
    const result = await testMapping({ mapping, rows: [{ Code: 'P1', 'Brand Name': '', Revenue: 'lots' }] });
    expect(result.changes).toEqual([]);
    expect(result.skipped).toBe(1);
    expect(result.errors.map((error) => [error.row, error.column, error.severity])).toEqual([
      [2, 'Brand Name', 'error'],
      [2, 'Revenue', 'error'],
    ]);
  });

  it('testMapping - with the table column types, values are coerced as for the real table', async () => {
    const result = await testMapping({
      mapping,
      columns: { partner_code: 'text', brand_name: 'text', revenue: 'numeric', active: 'boolean', notes: 'text' },
      rows: [{ Code: 'P1', 'Brand Name': 'Acme', Revenue: '12.50', Active: 'yes' }],
    });
    expect(result.changes[0]?.fields.find((field) => field.field === 'revenue')?.next).toBe(12.5);
    await expect(testMapping({ mapping, columns: { partner_code: 'text' }, rows: [{ Code: 'P1', 'Brand Name': 'Acme' }] })).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID' });
  });
});
