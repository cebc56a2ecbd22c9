import type { Cell } from '@fieldsync/google-sheets/testing';

/**
 * The sample "Master Sheet": three tabs with the mess real sheets have. Currency in several
 * formats, dates as serial numbers and as text, yes/no checkboxes, a blank key, a duplicate
 * key and a formula error cell.
 */
export const masterSheet: { title: string; timeZone: string; sheets: Array<{ title: string; rows: Cell[][] }> } = {
  title: 'Master Sheet',
  timeZone: 'America/New_York',
  sheets: [
    {
      title: 'Partners',
      rows: [
        ['Partner Code', 'Brand Name', 'Monthly Fee', 'Active', 'Onboarded', 'Tier', 'Notes'],
        ['P-001', 'Acme Outdoor', { value: 1299.99, format: 'currency' }, true, new Date(Date.UTC(2024, 2, 15)), 'Gold', 'Key account'],
        ['P-002', '  Birch & Co ', '$2,450.00', 'yes', '04/02/2024', 'silver', ''],
        ['P-003', 'Cobalt Home', '(150.00)', 'no', new Date(Date.UTC(2023, 10, 30)), 'bronze', 'Paused billing'],
        ['', 'Row with no key', '$10', 'yes', '', '', ''],
        ['P-004', 'Delta Pets', { value: 0, error: '#REF!' }, 'x', '2024-06-01', 'Gold', ''],
        ['P-002', 'Birch duplicate', '$1.00', 'no', '', '', ''],
        ['P-005', 'Evergreen Goods', '€89', '✓', '12/01/2024', 'Platinum', ''],
      ],
    },
    {
      title: 'Staff',
      rows: [
        ['Email', 'Full Name', 'Role', 'Start Date', 'Remote'],
        ['ana@example.com', 'Ana Ortiz', 'Account Manager', new Date(Date.UTC(2022, 0, 10)), 'Yes'],
        ['BEN@Example.com ', 'Ben Okafor', 'Analyst', '03/01/2023', 'No'],
        ['not-an-email', 'Cy Park', 'Intern', '', 'yes'],
      ],
    },
    {
      title: 'ASINs',
      rows: [
        ['ASIN', 'Partner Code', 'Title', 'Price', 'In Stock'],
        ['B000TEST01', 'P-001', 'Trail Tent 2P', { value: 189.5, format: 'currency' }, true],
        ['B000TEST02', 'P-001', 'Camp Stove', '$49.99', 'TRUE'],
        ['B000TEST03', 'P-003', 'Linen Throw', '1,020.00', false],
      ],
    },
  ],
};
