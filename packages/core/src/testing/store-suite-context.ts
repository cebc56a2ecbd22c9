import { afterEach, beforeEach, describe, expect } from 'vitest';
import { stableUuid } from '../config/ids.js';
import { FieldsyncError } from '../errors.js';
import { emptyStats, type RunRecord, type RunStats } from '../runs.js';
import type { ApplyBatch, ColumnType, NewConflict, NewLineage, Store } from '../store.js';
import type { EntityValues, FieldValue } from '../values.js';
import type { StoreSuiteGroup, StoreUnderTest, TestStoreOptions } from './contract-types.js';

/** The entity table every group syncs into. `partner_code` is its unique key. */
export const PARTNERS = 'partners';
export const KEY_FIELD = 'partner_code';
export const PARTNER_COLUMNS: Record<string, ColumnType> = {
  partner_code: 'text',
  brand_name: 'text',
  revenue: 'numeric',
  staff_count: 'integer',
  active: 'boolean',
  onboarded: 'date',
  last_contact: 'timestamptz',
  tags: 'text[]',
  meta: 'jsonb',
  account_manager_id: 'uuid',
};

export const MASTER_SHEET_ID = stableUuid('contract-suite-master-sheet');
export const CLOSE_SOURCE_ID = stableUuid('contract-suite-close');
export const PARTNERS_TAB_ID = stableUuid('contract-suite-partners-tab');
export const STAFF_TAB_ID = stableUuid('contract-suite-staff-tab');
export const ADMIN_USER_ID = stableUuid('contract-suite-admin');

/** The store of the running test, created fresh in `beforeEach` and cleaned up after it. */
export interface SuiteContext {
  readonly under: StoreUnderTest;
  readonly store: Store;
}

/** Registers a describe block for a group, or a skipped one whose name keeps the reason. */
export function describeGroup(options: TestStoreOptions, group: StoreSuiteGroup, body: (context: SuiteContext) => void): void {
  const reason = options.skip?.[group];
  if (reason !== undefined) {
    describe.skip(`${group} (skipped: ${reason})`, () => body(useStore(options)));
    return;
  }
  describe(group, () => body(useStore(options)));
}

/** A fresh store with the `partners` table for every test of the enclosing describe block. */
function useStore(options: TestStoreOptions): SuiteContext {
  let current: StoreUnderTest | undefined;
  beforeEach(async () => {
    current = await options.create();
    await current.store.init?.();
    await current.createEntityTable(PARTNERS, PARTNER_COLUMNS, { uniqueKey: KEY_FIELD });
  });
  afterEach(async () => {
    const finished = current;
    current = undefined;
    await finished?.cleanup();
  });
  const get = (): StoreUnderTest => {
    if (!current) throw new Error('testStore: the store is only available inside a test');
    return current;
  };
  return {
    get under() {
      return get();
    },
    get store() {
      return get().store;
    },
  };
}

/** Every partner row, ordered by key, for before/after comparisons. */
export async function partnerRows(under: StoreUnderTest): Promise<Array<Record<string, unknown>>> {
  const rows = await under.readEntities(PARTNERS);
  return rows.sort((a, b) => String(a[KEY_FIELD]).localeCompare(String(b[KEY_FIELD])));
}

/** Starts a run the way the engine does, before any batch. */
export function startRun(store: Store, overrides: Partial<{ dataSourceId: string; tabMappingId: string }> = {}): Promise<RunRecord> {
  return store.createRun({
    dataSourceId: overrides.dataSourceId ?? MASTER_SHEET_ID,
    tabMappingId: overrides.tabMappingId ?? PARTNERS_TAB_ID,
    trigger: 'manual',
    triggeredBy: null,
    dryRun: false,
    forceOverwrite: false,
  });
}

/** A batch into `partners` with nothing in it but what `parts` adds. */
export function partnersBatch(runId: string, parts: Partial<Omit<ApplyBatch, 'runId'>> = {}): ApplyBatch {
  return {
    runId,
    tabMappingId: PARTNERS_TAB_ID,
    entity: PARTNERS,
    keyField: KEY_FIELD,
    creates: [],
    updates: [],
    deletes: [],
    lineage: [],
    conflicts: [],
    stats: emptyStats(),
    ...parts,
  };
}

/** Counters with the given values and zero elsewhere. */
export function statsOf(values: Partial<RunStats>): RunStats {
  return { ...emptyStats(), ...values };
}

/** A create of partner `code` with the given values (the key field included). */
export function partnerCreate(code: string, values: EntityValues = {}): { key: string; values: EntityValues } {
  return { key: code, values: { [KEY_FIELD]: code, ...values } };
}

/** A lineage row for one field of a partner, as the engine would write it from the master sheet. */
export function partnerLineage(
  entity: { key: string; id: string | null },
  fieldName: string,
  newValue: FieldValue,
  overrides: Partial<NewLineage> = {},
): NewLineage {
  return {
    entityType: PARTNERS,
    entityId: entity.id,
    entityKey: entity.key,
    fieldName,
    sourceType: 'google_sheet',
    sourceId: MASTER_SHEET_ID,
    sourceRef: `Master Sheet > Partners > B (Brand Name), row 2`,
    previousValue: null,
    newValue: newValue instanceof Date ? newValue.toISOString() : (newValue as NewLineage['newValue']),
    syncRunId: null,
    changedBy: null,
    reason: entity.id === null ? 'create' : 'source_of_truth',
    ...overrides,
  };
}

/** A conflict on one field of a partner: Close's value lost to the master sheet's. */
export function partnerConflict(entity: { key: string; id: string | null }, fieldName: string, losingValue: NewConflict['losingValue'], overrides: Partial<NewConflict> = {}): NewConflict {
  return {
    entityType: PARTNERS,
    entityId: entity.id,
    entityKey: entity.key,
    fieldName,
    currentValue: null,
    losingValue,
    losingSourceId: CLOSE_SOURCE_ID,
    losingSourceRef: 'Close > lead > custom.cf_brand (Brand)',
    winningSourceId: MASTER_SHEET_ID,
    reason: 'lower_priority',
    syncRunId: null,
    ...overrides,
  };
}

/** Creates partners in one batch and returns their ids by code. */
export async function seedPartners(store: Store, runId: string, partners: Record<string, EntityValues>): Promise<Map<string, string>> {
  await store.applyBatch(partnersBatch(runId, { creates: Object.entries(partners).map(([code, values]) => partnerCreate(code, values)) }));
  const loaded = await store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: Object.keys(partners), fields: [], withOwners: false });
  return new Map([...loaded].map(([code, entity]) => [code, entity.id]));
}

/** The id of a seeded partner (fails the test when it is missing). */
export function idOf(ids: ReadonlyMap<string, string>, code: string): string {
  const id = ids.get(code);
  expect(id, `partner ${code} should exist`).toBeTypeOf('string');
  return id as string;
}

/** Awaits a rejection and returns the error, failing the test when the promise resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail('expected the call to reject, but it resolved');
}

/** The error's fieldsync code, or undefined for anything else. */
export function codeOf(error: unknown): string | undefined {
  return FieldsyncError.isInstance(error) ? error.code : undefined;
}

/** Waits, so timestamps taken before and after differ. Never used to assert on durations. */
export function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
