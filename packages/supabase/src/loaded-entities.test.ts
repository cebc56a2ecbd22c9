import { describe, expect, it } from 'vitest';
import type { EntitySchema, LoadRequest } from '@fieldsync/core';
import { entitiesFromLoadAnswer } from './loaded-entities.js';

const schema: EntitySchema = {
  idColumn: 'id',
  columns: new Map([
    ['partner_code', { type: 'text', nullable: true }],
    ['revenue', { type: 'numeric', nullable: true }],
    ['last_contact', { type: 'timestamptz', nullable: true }],
  ]),
};
const request: LoadRequest = { entity: 'partners', keyField: 'partner_code', keys: ['A'], fields: ['revenue', 'last_contact'], withOwners: true };

// Both answer shapes of fieldsync_load_entities: a project migrated with an earlier release keeps working.
describe('entitiesFromLoadAnswer', () => {
  it('reads positional rows named by fields, typing values by column', () => {
    const loaded = entitiesFromLoadAnswer(
      { fields: ['partner_code', 'revenue', 'last_contact'], rows: [['id-1', 'A', 'A', '12.50', '2026-01-02T03:04:05+00:00']], owners: { 'id-1': { revenue: 'source-1' } } },
      schema,
      request,
    );
    expect(loaded.get('A')).toEqual({ id: 'id-1', key: 'A', values: { partner_code: 'A', revenue: 12.5, last_contact: new Date('2026-01-02T03:04:05Z') }, owners: { revenue: 'source-1' } });
  });

  it('reads rows with a values object (earlier migrations)', () => {
    const loaded = entitiesFromLoadAnswer({ rows: [['id-1', 'A', { partner_code: 'A', revenue: 3 }]], owners: {} }, schema, { ...request, withOwners: false });
    expect(loaded.get('A')).toEqual({ id: 'id-1', key: 'A', values: { partner_code: 'A', revenue: 3 } });
  });

  it('rejects an answer of another shape', () => {
    expect(() => entitiesFromLoadAnswer({ items: [] }, schema, request)).toThrow(/unexpected shape/);
  });
});
