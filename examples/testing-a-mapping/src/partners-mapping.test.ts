import { testMapping } from '@fieldsync/core/testing';
import { describe, expect, it } from 'vitest';
import { partnersMapping } from './partners-mapping.js';

// Unit tests of a mapping: no network, no database. testMapping runs the real transform,
// key, reconcile and derive steps as a dry run over an in-memory store.

describe('partners mapping', () => {
  it('turns a messy sheet row into typed fields', async () => {
    const { changes, errors } = await testMapping({
      mapping: partnersMapping,
      rows: [{ 'Partner Code': 'P-001', 'Brand Name': '  Acme Co ', 'Monthly Fee': '$1,299.99', Active: 'Yes', 'Onboarded On': '03/15/2024', Tier: 'g' }],
    });
    expect(errors).toEqual([]);
    const fields = Object.fromEntries(changes[0]!.fields.map((field) => [field.field, field.next]));
    expect(fields).toEqual({ partner_code: 'P-001', brand_name: 'Acme Co', monthly_fee_cents: 129999, active: true, onboarded_on: '2024-03-15', tier: 'gold' });
  });

  it('reports a bad cell with its row and column, and keeps the other rows', async () => {
    const { changes, errors } = await testMapping({
      mapping: partnersMapping,
      rows: [
        { 'Partner Code': 'P-001', 'Brand Name': 'Acme', Tier: 'platinum' },
        { 'Partner Code': 'P-002', 'Brand Name': 'Beta' },
      ],
    });
    expect(changes.map((change) => change.keyValue)).toEqual(['P-002']);
    expect(errors).toMatchObject([{ row: 2, column: 'Tier', severity: 'error' }]);
  });

  it('never overwrites notes someone typed in the app', async () => {
    const { changes, conflicts } = await testMapping({
      mapping: partnersMapping,
      existing: [{ partner_code: 'P-001', brand_name: 'Acme', notes: 'VIP, call before shipping' }],
      rows: [{ 'Partner Code': 'P-001', 'Brand Name': 'Acme', Notes: 'ok' }],
    });
    expect(changes).toEqual([]);
    expect(conflicts).toMatchObject([{ field: 'notes', reason: 'reference', losingValue: 'ok' }]);
  });
});
