import { defineMapping } from '@fieldsync/core';

/** The entity tables this app syncs into, as TypeScript sees them. */
export type Entities = {
  partners: {
    id: string;
    partner_code: string;
    brand_name: string;
    monthly_fee_cents: number | null;
    active: boolean | null;
    onboarded_on: string | null;
    tier: string | null;
    notes: string | null;
  };
};

/** The Partners tab of the Master Sheet. */
export const partnersMapping = defineMapping<Entities>({
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
            'Monthly Fee': { field: 'monthly_fee_cents', transform: 'currency', options: { unit: 'minor' } },
            Active: { field: 'active', transform: 'boolean' },
            'Onboarded On': { field: 'onboarded_on', transform: 'date', options: { format: 'MM/DD/YYYY' } },
            Tier: { field: 'tier', transform: 'enum', options: { map: { G: 'gold', S: 'silver', B: 'bronze' } } },
            Notes: { field: 'notes', authority: 'reference' },
          },
        },
      ],
    },
  ],
});
