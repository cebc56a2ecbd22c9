import type { EntitySchema, ExistingEntity, LoadRequest } from '@fieldsync/core';
import { fromColumnValue } from '@fieldsync/postgres';
import { unexpectedAnswer } from './rpc-caller.js';

/**
 * What `fieldsync_load_entities` answers. Current migrations: `fields` names the values of each
 * positional row `[id, key, ...values]`. Earlier ones: rows `[id, key, { field: value }]`.
 */
interface LoadAnswer {
  fields?: string[];
  rows?: unknown[][];
  /** Each row's version (xmin:ctid), by position (migrations with row fingerprints). */
  versions?: unknown[];
  owners?: Record<string, Record<string, string | null>>;
}

/** Turns the answer of `fieldsync_load_entities` into the entities by key, values typed by their columns. */
export function entitiesFromLoadAnswer(answer: unknown, schema: EntitySchema, request: LoadRequest): Map<string, ExistingEntity> {
  const result = answer as LoadAnswer | null;
  if (!result || !Array.isArray(result.rows)) throw unexpectedAnswer('fieldsync_load_entities');
  const positional = Array.isArray(result.fields) ? result.fields : null;
  const types = positional?.map((field) => schema.columns.get(field)?.type);
  const found = new Map<string, ExistingEntity>();
  for (const [position, row] of result.rows.entries()) {
    const id = String(row[0]);
    const key = String(row[1]);
    const values: ExistingEntity['values'] = {};
    if (positional) {
      for (let index = 0; index < positional.length; index++) values[positional[index]!] = fromColumnValue(row[index + 2], types?.[index]);
    } else {
      for (const [field, value] of Object.entries((row[2] ?? {}) as Record<string, unknown>)) values[field] = fromColumnValue(value, schema.columns.get(field)?.type);
    }
    const entity: ExistingEntity = { id, key, values };
    const version = result.versions?.[position];
    if (typeof version === 'string') entity.version = version;
    if (request.withOwners) {
      const owners: Record<string, string | null> = {};
      const stored = result.owners?.[id] ?? {};
      for (const field of request.fields) if (field in stored) owners[field] = stored[field] ?? null;
      entity.owners = owners;
    }
    found.set(key, entity);
  }
  return found;
}
