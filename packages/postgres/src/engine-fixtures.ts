/**
 * Test support (not exported): a partners mapping and a strategy whose batches can be held
 * between yields, so tests can act (kill a connection, start a second sync) at a known point.
 */
import { defineMapping, type ColumnLocation, type SourceBatch, type SyncStrategy } from '@fieldsync/core';
import type { ColumnType } from '@fieldsync/core';

export const PARTNER_COLUMNS: Record<string, ColumnType> = { code: 'text', brand: 'text', revenue: 'numeric', tier: 'text' };

export const mapping = defineMapping({
  dataSources: [
    {
      id: 'master-sheet',
      name: 'Master Sheet',
      type: 'gated',
      tabs: [{ id: 'partners-tab', tabName: 'Partners', entity: 'partners', columns: { Code: { field: 'code', key: true }, Brand: { field: 'brand' }, Revenue: { field: 'revenue' }, Tier: { field: 'tier' } } }],
    },
  ],
});
export const TAB_ID = mapping.tabMappings[0]!.id;

export function partnerRows(count: number, edit: (index: number) => Partial<Record<string, string>> = () => ({})): Array<Record<string, string>> {
  return Array.from({ length: count }, (_, index) => ({ Code: `P${String(index).padStart(5, '0')}`, Brand: `Brand ${index}`, Revenue: String(index * 10 + 0.5), Tier: index % 3 === 0 ? 'gold' : 'silver', ...edit(index) }) as Record<string, string>);
}

/** A strategy over `rows()` that calls `beforeBatch(n)` (1-based) and waits for it before yielding batch n. */
export function gatedRows(rows: () => Array<Record<string, string>>, beforeBatch: (batch: number) => Promise<void> = async () => {}): SyncStrategy {
  return {
    type: 'gated',
    capabilities: { incremental: false, streaming: true, deletes: false, lookup: false },
    async open(request) {
      const snapshot = rows();
      const columns = new Map<string, ColumnLocation>(request.columns.map((column, index) => [column.sourceColumn, { label: column.sourceColumn, letter: String.fromCharCode(65 + index) }]));
      return {
        label: 'Master Sheet > Partners',
        columns,
        async *batches(): AsyncGenerator<SourceBatch> {
          for (let start = 0, batch = 1; start < snapshot.length; start += request.batchSize, batch += 1) {
            await beforeBatch(batch);
            yield { rows: snapshot.slice(start, start + request.batchSize).map((values, offset) => ({ values, address: { row: start + offset + 2 } })) };
          }
        },
      };
    },
  };
}

/** A promise with its resolve function, to hold a strategy between batches. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
