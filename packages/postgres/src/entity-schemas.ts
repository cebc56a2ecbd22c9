import { StoreError, formatMessage, type EntitySchema } from '@fieldsync/core';
import { toEntitySchema, type DescribedEntity } from './column-values.js';

/** An entity table's schema as the store uses it. */
export type StoreEntitySchema = EntitySchema & { idHasDefault: boolean };

/** Options of {@link entitySchemaCache}. */
export interface EntitySchemaCacheOptions {
  /** Calls `fieldsync_describe_entity` (through `pg`, PGlite or PostgREST). */
  describe(entity: string): Promise<DescribedEntity | null>;
  /** Error scope, e.g. `postgres` or `supabase`. */
  scope: string;
  entitySchema: string;
}

/**
 * Entity table descriptions, read once per table and shared by concurrent callers. A missing
 * table or a failed read is not remembered, since the table may be created or the database come
 * back. Shared by the Postgres and Supabase stores.
 */
export function entitySchemaCache(options: EntitySchemaCacheOptions) {
  const described = new Map<string, Promise<StoreEntitySchema | null>>();

  function describe(entity: string): Promise<StoreEntitySchema | null> {
    let pending = described.get(entity);
    if (!pending) {
      pending = options.describe(entity).then((result) => (result ? toEntitySchema(result) : null));
      described.set(entity, pending);
      pending.then(
        (result) => {
          if (result === null) described.delete(entity);
        },
        () => described.delete(entity),
      );
    }
    return pending;
  }

  return {
    describe,
    /** The table's schema, or a STORE_SCHEMA_MISMATCH error that says to create it. */
    async require(entity: string): Promise<StoreEntitySchema> {
      const schema = await describe(entity);
      if (!schema) {
        throw new StoreError(
          'STORE_SCHEMA_MISMATCH',
          formatMessage(options.scope, `The entity table "${options.entitySchema}"."${entity}" does not exist.`, 'Create it (with an id primary key) or fix primaryEntity in the mapping.'),
          { details: { table: entity } },
        );
      }
      return schema;
    },
    forget(): void {
      described.clear();
    },
  };
}
