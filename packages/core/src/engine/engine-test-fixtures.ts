import { defineMapping } from '../config/define-mapping.js';
import type { ColumnType } from '../store.js';
import { memoryStore, type MemoryStoreOptions } from '../testing/memory-store.js';

/** The partners table most engine tests sync into. */
export const PARTNER_COLUMNS: Record<string, ColumnType> = {
  partner_code: 'text',
  brand_name: 'text',
  revenue: 'numeric',
  active: 'boolean',
  onboarded: 'date',
  tier: 'text',
  notes: 'text',
  display_name: 'text',
  deleted_at: 'timestamptz',
};

export type Partner = { [K in keyof typeof PARTNER_COLUMNS]: unknown };
export type Entities = { partners: Partner };

export function partnersStore(options: Omit<MemoryStoreOptions, 'tables'> = {}) {
  return memoryStore({ ...options, tables: { partners: { columns: PARTNER_COLUMNS, uniqueKeys: ['partner_code'] } } });
}

export const ADMIN = '6f1c2b8e-2d7a-4c1e-9a55-0b7f6c3d2e10';

/** One sheet source with a Partners tab. */
export function sheetMapping(overrides: { notesAuthority?: 'source_of_truth' | 'reference' | 'derived' } = {}) {
  return defineMapping<Entities>({
    dataSources: [
      {
        id: 'master-sheet',
        name: 'Master Sheet',
        type: 'static',
        tabs: [
          {
            id: 'partners-tab',
            tabName: 'Partners',
            entity: 'partners',
            columns: {
              Code: { field: 'partner_code', key: true },
              'Brand Name': { field: 'brand_name', required: true },
              Revenue: { field: 'revenue', transform: 'currency' },
              Active: { field: 'active', transform: 'boolean' },
              Onboarded: { field: 'onboarded', transform: 'date', options: { format: 'MM/DD/YYYY' } },
              Tier: { field: 'tier' },
              Notes: { field: 'notes', authority: overrides.notesAuthority ?? 'reference' },
            },
          },
        ],
      },
    ],
  });
}

export function partnerRows(count: number, start = 1) {
  return Array.from({ length: count }, (_, index) => {
    const n = start + index;
    return {
      Code: `P${String(n).padStart(4, '0')}`,
      'Brand Name': `Brand ${n}`,
      Revenue: `$${(n * 10).toLocaleString('en-US')}.50`,
      Active: n % 2 === 0 ? 'yes' : 'no',
      Onboarded: `0${(n % 9) + 1}/1${n % 10}/2024`,
      Tier: n % 3 === 0 ? 'gold' : 'silver',
      Notes: `note ${n}`,
    };
  });
}
