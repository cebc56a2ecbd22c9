/**
 * Rows for the benchmarks: N partners x 10 columns, generated lazily by index so memory stays
 * bounded by the batch size, with a `version` that changes 2 fields of 1% of the rows.
 */
import { defineMapping, type ColumnLocation, type SourceBatch, type SyncStrategy } from '@fieldsync/core';

export const ENTITY_COLUMNS = ['code', 'brand', 'revenue', 'seats', 'active', 'signed_on', 'seen_at', 'tier', 'region', 'notes'] as const;

export const ENTITY_TABLE_SQL = (schema: string) => `create table "${schema}".partners (
  id uuid primary key default gen_random_uuid(),
  code text not null unique, brand text, revenue numeric, seats integer, active boolean,
  signed_on date, seen_at timestamptz, tier text, region text, notes text)`;

export const mapping = defineMapping({
  dataSources: [
    {
      id: 'bench-sheet',
      name: 'Bench Sheet',
      type: 'bench',
      tabs: [
        {
          id: 'bench-partners',
          tabName: 'Partners',
          entity: 'partners',
          columns: {
            Code: { field: 'code', key: true },
            Brand: { field: 'brand' },
            Revenue: { field: 'revenue', transform: 'number' },
            Seats: { field: 'seats', transform: 'number' },
            Active: { field: 'active', transform: 'boolean' },
            Signed: { field: 'signed_on' },
            Seen: { field: 'seen_at' },
            Tier: { field: 'tier' },
            Region: { field: 'region' },
            Notes: { field: 'notes' },
          },
        },
      ],
    },
  ],
});
export const TAB_ID = mapping.tabMappings[0]!.id;
export const SOURCE_ID = mapping.dataSources[0]!.id;

const TIERS = ['gold', 'silver', 'bronze'];
const REGIONS = ['EU', 'US', 'APAC', 'LATAM'];
const BASE_DAY = Date.UTC(2020, 0, 1);

/** Source row `index` (cells as a sheet gives them: text). Version 1 changes Brand and Notes of every 100th row. */
export function sourceRow(index: number, version = 0): Record<string, string> {
  const changed = version > 0 && index % 100 === 0;
  return {
    Code: `P${String(index).padStart(7, '0')}`,
    Brand: changed ? `Brand ${index} v${version}` : `Brand ${index}`,
    Revenue: String(((index * 7919) % 100000) + 0.25),
    Seats: String(index % 500),
    Active: index % 2 === 0 ? 'true' : 'false',
    Signed: new Date(BASE_DAY + (index % 1500) * 86_400_000).toISOString().slice(0, 10),
    Seen: new Date(BASE_DAY + index * 60_000).toISOString(),
    Tier: TIERS[index % 3]!,
    Region: REGIONS[index % 4]!,
    Notes: changed ? `note ${index} edited v${version}` : `note ${index}`,
  };
}

/** The entity values of row `index` in column order, as COPY text. */
export function entityCopyLine(index: number): string {
  const row = sourceRow(index);
  return [row.Code, row.Brand, row.Revenue, row.Seats, row.Active, row.Signed, row.Seen, row.Tier, row.Region, row.Notes].join('\t') + '\n';
}

/** A streaming strategy over `rows` generated rows. */
export function generatedRows(rows: number, version: number): SyncStrategy {
  return {
    type: 'bench',
    capabilities: { incremental: false, streaming: true, deletes: false, lookup: false },
    async open(request) {
      const columns = new Map<string, ColumnLocation>(request.columns.map((column, index) => [column.sourceColumn, { label: `${String.fromCharCode(65 + index)} (${column.sourceColumn})`, letter: String.fromCharCode(65 + index) }]));
      return {
        label: 'Bench Sheet > Partners',
        columns,
        async *batches(): AsyncGenerator<SourceBatch> {
          for (let start = 0; start < rows; start += request.batchSize) {
            const end = Math.min(rows, start + request.batchSize);
            const batch = [];
            for (let index = start; index < end; index++) batch.push({ values: sourceRow(index, version), address: { row: index + 2 } });
            yield { rows: batch };
          }
        },
      };
    },
  };
}
