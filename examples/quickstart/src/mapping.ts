import { defineMapping } from '@fieldsync/core';

/** The entity tables, as TypeScript sees them. */
export type Entities = {
  partners: { id: string; partner_code: string; brand_name: string; monthly_fee: number | null; active: boolean | null; onboarded_on: string | null; tier: string | null; notes: string | null };
  staff: { id: string; email: string; full_name: string; role: string | null; start_date: string | null; remote: boolean | null };
  asins: { id: string; asin: string; partner_code: string; title: string; price: number | null; in_stock: boolean | null };
};

/** The same tables in SQL: fieldsync never creates entity tables, the app owns them. */
export const ENTITY_TABLES_SQL = `
create table if not exists partners (
  id uuid primary key default gen_random_uuid(),
  partner_code text not null unique, brand_name text not null, monthly_fee numeric,
  active boolean, onboarded_on date, tier text, notes text);
create table if not exists staff (
  id uuid primary key default gen_random_uuid(),
  email text not null unique, full_name text not null, role text, start_date date, remote boolean);
create table if not exists asins (
  id uuid primary key default gen_random_uuid(),
  asin text not null unique, partner_code text not null, title text not null, price numeric, in_stock boolean);
`;

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
            Onboarded: { field: 'onboarded_on', transform: 'date', options: { format: 'MM/DD/YYYY' } },
            Tier: { field: 'tier', transform: 'enum', options: { map: { gold: 'gold', silver: 'silver', bronze: 'bronze' } } },
            Notes: { field: 'notes', authority: 'reference' },
          },
        },
        {
          id: 'master-sheet-staff',
          tabName: 'Staff',
          entity: 'staff',
          columns: {
            Email: { field: 'email', key: true, transform: 'email' },
            'Full Name': { field: 'full_name', required: true },
            Role: { field: 'role' },
            'Start Date': { field: 'start_date', transform: 'date', options: { format: 'MM/DD/YYYY' } },
            Remote: { field: 'remote', transform: 'boolean' },
          },
        },
        {
          id: 'master-sheet-asins',
          tabName: 'ASINs',
          entity: 'asins',
          columns: {
            ASIN: { field: 'asin', key: true },
            'Partner Code': { field: 'partner_code', required: true },
            Title: { field: 'title', required: true },
            Price: { field: 'price', transform: 'currency' },
            'In Stock': { field: 'in_stock', transform: 'boolean' },
          },
        },
      ],
    },
  ],
});
