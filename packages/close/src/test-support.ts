// Test support for this package's own tests (not exported).
import { columnMappingSchema, dataSourceSchema, tabMappingSchema } from '@fieldsync/core';
import type { ColumnMappingConfig, JsonValue, SourceBatch, SourceReader, SyncStrategy } from '@fieldsync/core';

/** A column for {@link readTab}: the source column, and whether it is the key. */
export type TestColumn = string | { source: string; key?: boolean };

/** What {@link readTab} takes. */
export interface ReadTabOptions {
  tabName?: string;
  tabOptions?: Record<string, unknown>;
  mode?: 'full' | 'incremental';
  deletePolicy?: 'ignore' | 'mark' | 'delete';
  columns: TestColumn[];
  state?: JsonValue | null;
  ids?: string[];
  batchSize?: number;
  rowLimit?: number;
  signal?: AbortSignal;
  /** Sees each batch as it comes, also those before a failure. */
  onBatch?: (batch: SourceBatch) => void;
}

/** Builds configs the way the engine would and reads every batch of one tab. */
export async function readTab(strategy: SyncStrategy, options: ReadTabOptions): Promise<{ reader: SourceReader; batches: SourceBatch[] }> {
  const dataSource = dataSourceSchema.parse({ id: 'close-crm', name: 'Close CRM', type: 'close' });
  const tab = tabMappingSchema.parse({
    id: 'close-tab',
    dataSourceId: 'close-crm',
    tabName: options.tabName ?? 'lead',
    primaryEntity: 'partners',
    mode: options.mode ?? 'full',
    deletePolicy: options.deletePolicy ?? 'ignore',
    options: options.tabOptions ?? {},
  });
  const columns: ColumnMappingConfig[] = options.columns.map((column, index) => {
    const source = typeof column === 'string' ? column : column.source;
    const isKey = typeof column === 'string' ? index === 0 : (column.key ?? false);
    return columnMappingSchema.parse({ tabMappingId: 'close-tab', sourceColumn: source, targetField: `field_${index}`, isKey });
  });
  const reader = await strategy.open({
    dataSource,
    tab,
    columns,
    batchSize: options.batchSize ?? 500,
    state: options.state ?? null,
    signal: options.signal ?? new AbortController().signal,
    ...(options.ids ? { ids: options.ids } : {}),
    ...(options.rowLimit === undefined ? {} : { rowLimit: options.rowLimit }),
  });
  const batches: SourceBatch[] = [];
  for await (const batch of reader.batches()) {
    options.onBatch?.(batch);
    batches.push(batch);
  }
  await reader.close?.();
  return { reader, batches };
}

/** The last checkpoint of a run, as the engine would store it. */
export function lastCheckpoint(batches: ReadonlyArray<SourceBatch>, previous: JsonValue | null): JsonValue | null {
  let state = previous;
  for (const batch of batches) if (batch.checkpoint !== undefined) state = batch.checkpoint;
  return state;
}

/** Every row of a run. */
export function allRows(batches: ReadonlyArray<SourceBatch>) {
  return batches.flatMap((batch) => batch.rows);
}

/** A sleep that records the waits instead of waiting. */
export function recordingSleep(onWait?: (milliseconds: number) => void): { waits: number[]; sleep: (milliseconds: number) => Promise<void> } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (milliseconds: number) => {
      waits.push(milliseconds);
      onWait?.(milliseconds);
    },
  };
}

/** Every string in an error: message, details and the cause chain. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '', JSON.stringify((current as { details?: unknown }).details ?? null));
      current = current.cause;
    } else {
      parts.push(JSON.stringify(current));
      break;
    }
  }
  return parts.join('\n');
}
