/** The end-to-end benchmark's sheet: the postgres benchmark's rows, as typed Sheets cells. */
import { defineMapping } from '@fieldsync/core';
import type { Cell } from '@fieldsync/google-sheets/testing';
import { sourceRow } from './bench-data.js';

export const SHEET_HEADERS = ['Code', 'Brand', 'Revenue', 'Seats', 'Active', 'Signed', 'Seen', 'Tier', 'Region', 'Notes'];

/** Row `index` with numbers, booleans and dates as a sheet holds them (dates become serials). */
export function sheetRow(index: number): Cell[] {
  const row = sourceRow(index);
  return [row.Code!, row.Brand!, Number(row.Revenue), Number(row.Seats), row.Active === 'true', new Date(`${row.Signed}T00:00:00Z`), row.Seen!, row.Tier!, row.Region!, row.Notes!];
}

export const sheetsMapping = defineMapping({
  dataSources: [
    {
      id: 'bench-sheets',
      name: 'Bench Sheet',
      type: 'google_sheet',
      tabs: [
        {
          id: 'bench-sheets-partners',
          tabName: 'Partners',
          entity: 'partners',
          columns: {
            Code: { field: 'code', key: true },
            Brand: { field: 'brand' },
            Revenue: { field: 'revenue', transform: 'number' },
            Seats: { field: 'seats', transform: 'number', options: { integer: true } },
            Active: { field: 'active', transform: 'boolean' },
            Signed: { field: 'signed_on', transform: 'date' },
            Seen: { field: 'seen_at', transform: 'date', options: { output: 'timestamp' } },
            Tier: { field: 'tier' },
            Region: { field: 'region' },
            Notes: { field: 'notes' },
          },
        },
      ],
    },
  ],
});
