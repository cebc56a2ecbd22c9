/**
 * Two sources, one entity: Close leads and a CSV export from the partner sheet both write
 * `partners`. Close wins brand names, the sheet wins tiers; every value that loses is kept as a
 * conflict for review. Then a Close webhook syncs one edited lead.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { close, createCloseWebhookHandler } from '@fieldsync/close';
import { createCloseEmulator } from '@fieldsync/close/testing';
import { createSyncEngine, csvFile, defineMapping } from '@fieldsync/core';
import { postgresStore } from '@fieldsync/postgres';

type Entities = { partners: { id: string; partner_code: string; brand_name: string | null; tier: string | null; notes: string | null } };

const mapping = defineMapping<Entities>({
  dataSources: [
    {
      id: 'close-crm',
      name: 'Close CRM',
      type: 'close',
      tabs: [
        {
          id: 'close-leads',
          tabName: 'lead',
          entity: 'partners',
          columns: {
            'custom.Partner Code': { field: 'partner_code', key: true },
            name: { field: 'brand_name' },
            'custom.Tier': { field: 'tier', transform: 'string', options: { case: 'lower' } },
          },
        },
      ],
    },
    {
      id: 'partner-sheet',
      name: 'Partner Sheet (CSV export)',
      type: 'csv',
      tabs: [
        {
          id: 'sheet-partners',
          tabName: 'partners.csv',
          entity: 'partners',
          columns: {
            'Partner Code': { field: 'partner_code', key: true },
            'Brand Name': { field: 'brand_name' },
            Tier: { field: 'tier', transform: 'string', options: { case: 'lower' } },
            Notes: { field: 'notes', authority: 'reference' },
          },
        },
      ],
    },
  ],
  // Field-level priorities across sources (the seed's computed_fields.source_priority): higher wins.
  fields: { partners: { brand_name: { sourcePriority: { 'close-crm': 10, 'partner-sheet': 5 } }, tier: { sourcePriority: { 'partner-sheet': 10, 'close-crm': 5 } } } },
});

async function main() {
  const directory = await mkdtemp(join(tmpdir(), 'fieldsync-example-'));
  await writeFile(join(directory, 'partners.csv'), 'Partner Code,Brand Name,Tier,Notes\nP-001,Acme,Gold,Key account\nP-002,Birch Co,Silver,\n');
  const emulator = await createCloseEmulator();
  emulator.defineCustomField({ objectType: 'lead', name: 'Partner Code' });
  emulator.defineCustomField({ objectType: 'lead', name: 'Tier' });
  const acme = emulator.addLead({ name: 'Acme Outdoor Inc.', custom: { 'Partner Code': 'P-001', Tier: 'Bronze' } });
  emulator.addLead({ name: 'Birch Co', custom: { 'Partner Code': 'P-002', Tier: 'Silver' } });

  const store = postgresStore({ dataDir: 'memory://' });
  const engine = createSyncEngine({ store, strategies: [close({ apiKey: emulator.apiKey, baseUrl: emulator.url }), csvFile({ baseDir: directory })], config: mapping });
  const webhook = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      handler
        .handle({ rawBody: Buffer.concat(chunks).toString('utf8'), headers: request.headers as Record<string, string> })
        .then(({ status, body }) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)))
        .catch(() => response.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const subscription = emulator.createWebhook({ url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/`, events: [{ object_type: 'lead', action: 'updated' }] });
  const handler = createCloseWebhookHandler({ engine, signatureKey: subscription.signature_key, tabs: { lead: 'close-leads' } });

  try {
    await store.init?.();
    const driver = await store.driver();
    await driver.query('create table partners (id uuid primary key default gen_random_uuid(), partner_code text not null unique, brand_name text, tier text, notes text)');
    const show = async (title: string) => {
      const { rows } = await driver.query<Entities['partners']>('select partner_code, brand_name, tier, notes from partners order by partner_code');
      console.log(`\n${title}`);
      for (const row of rows) console.log(`   ${row.partner_code}  brand=${JSON.stringify(row.brand_name)}  tier=${JSON.stringify(row.tier)}  notes=${JSON.stringify(row.notes)}`);
    };

    await engine.syncTab('sheet-partners');
    await show('1. After the sheet sync');
    await engine.syncTab('close-leads');
    await show('2. After the Close sync: Close wins brand names (priority 10 > 5); the sheet keeps tiers (10 > 5)');
    const again = await engine.syncTab('sheet-partners');
    console.log(`\n3. The sheet again: ${again.stats.rowsUpdated} updated, ${again.stats.lineageCount} lineage rows (its brand names lose to Close's)`);

    const conflicts = await store.listConflicts({ status: 'open' });
    console.log('\n4. Open conflicts for review');
    for (const conflict of conflicts.items) {
      console.log(`   ${conflict.entityKey}.${conflict.fieldName}: kept ${JSON.stringify(conflict.currentValue)}, lost ${JSON.stringify(conflict.losingValue)} (${conflict.reason})`);
    }
    const tierConflict = conflicts.items.find((conflict) => conflict.fieldName === 'tier');
    if (tierConflict) {
      await store.resolveConflict({ conflictId: tierConflict.id, resolution: 'apply_losing_value', resolvedBy: '6f1c2b8e-2d7a-4c1e-9a55-0b7f6c3d2e10' });
      await show(`5. An admin applies Close's tier for ${tierConflict.entityKey}`);
    }

    emulator.update(acme.id as string, { name: 'Acme Outdoor Group' });
    const [delivery] = await emulator.deliver(emulator.events.at(-1)!);
    console.log(`\n6. Close sends a signed webhook for the edited lead: HTTP ${delivery?.status} ${delivery?.body}`);
    await show('   After the webhook-triggered sync of that one lead');
    const redelivered = await emulator.deliver(emulator.events.at(-1)!);
    const runs = await store.listRuns({ limit: 2 });
    console.log(`   Redelivered (Close retries for 72 h): HTTP ${redelivered[0]?.status}, that run updated ${runs.items[0]?.rowsUpdated} rows (trigger: ${runs.items[0]?.trigger})`);
  } finally {
    await engine.dispose();
    await emulator.close();
    webhook.close();
    await rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
