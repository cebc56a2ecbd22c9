import { defineMapping } from '@fieldsync/core';

/** The app's partners table, as TypeScript sees it. */
export type Entities = {
  partners: { id: string; partner_code: string; brand_name: string; monthly_fee: number | null; active: boolean | null; notes: string | null };
};

/** The same table in SQL (a Supabase migration of the app's own): fieldsync never creates entity tables. */
export const PARTNERS_TABLE_SQL = `
create table if not exists public.partners (
  id uuid primary key default gen_random_uuid(),
  partner_code text not null unique,
  brand_name text not null,
  monthly_fee numeric,
  active boolean,
  notes text
);
alter table public.partners enable row level security;`;

/** The Master Sheet's Partners tab, mapped field by field. `spreadsheetId` comes from the strategy options. */
export const mapping = defineMapping<Entities>({
  dataSources: [
    {
      id: 'master-sheet',
      name: 'Master Sheet',
      type: 'google_sheet',
      tabs: [
        {
          id: 'master-sheet-partners',
          tabName: 'Partners',
          entity: 'partners',
          columns: {
            'Partner Code': { field: 'partner_code', key: true },
            'Brand Name': { field: 'brand_name', required: true },
            'Monthly Fee': { field: 'monthly_fee', transform: 'currency' },
            Active: { field: 'active', transform: 'boolean' },
            Notes: { field: 'notes', authority: 'reference' },
          },
        },
      ],
    },
  ],
});
