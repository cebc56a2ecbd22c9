import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeSyncEngine } from '../../../../../lib/sync-engine.js';
import { startDemoEnvironment, syncRequest, type DemoEnvironment } from '../../../../../lib/demo-environment.js';
import type { SyncTabResponse } from '../../../../../lib/sync-tab-handler.js';

// The route as Next.js calls it, against the Sheets API emulator and the PostgREST emulator on PGlite.
describe('POST /api/sync/tab/[id]', () => {
  let environment: DemoEnvironment;
  let POST: typeof import('./route.js').POST;
  const TAB = 'master-sheet-partners';
  const partners = async () =>
    (await environment.pglite.query<{ partner_code: string; brand_name: string }>('select partner_code, brand_name from public.partners order by partner_code')).rows;
  const post = async (body: unknown, token: string | null = environment.adminToken, tab = TAB) => {
    const response = await POST(...syncRequest(tab, body, token));
    return { status: response.status, body: (await response.json()) as SyncTabResponse };
  };

  beforeAll(async () => {
    environment = await startDemoEnvironment();
    ({ POST } = await import('./route.js'));
  });
  afterAll(async () => {
    await disposeSyncEngine();
    await environment?.close();
  });

  it('refuses a request without the admin token (401) and a bad body (400), writing nothing', async () => {
    expect(await post({}, null)).toMatchObject({ status: 401, body: { success: false, error: { code: 'UNAUTHORIZED' } } });
    expect(await post({}, 'wrong-token')).toMatchObject({ status: 401 });
    const bad = await post({ dry_run: 'yes', row_limit: 0, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain('dry_run must be a boolean');
    expect(bad.body.error?.message).toContain('row_limit must be a positive integer');
    expect(bad.body.error?.message).toContain('unknown field extra');
    expect(await partners()).toEqual([]);
  });

  it('answers 404 for a tab that is not mapped', async () => {
    expect(await post({}, environment.adminToken, 'no-such-tab')).toMatchObject({ status: 404, body: { success: false, error: { code: 'MAPPING_NOT_FOUND' } } });
  });

  it('a dry run with row_limit previews without writing', async () => {
    const { status, body } = await post({ dry_run: true, row_limit: 2 });
    expect(status).toBe(200);
    expect(body).toMatchObject({ success: true, stats: { rows_processed: 2, rows_created: 2, rows_updated: 0 } });
    expect(body.changes?.map((change) => [change.key, change.type])).toEqual([
      ['P-001', 'create'],
      ['P-002', 'create'],
    ]);
    expect(await partners()).toEqual([]);
  });

  it('syncs in the seed response shape, then writes only what changed in the sheet', async () => {
    const first = await post({});
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      success: true,
      sync_run_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      stats: { rows_processed: 4, rows_created: 3, rows_updated: 0, rows_skipped: 1, errors: [] },
    });
    expect((await partners()).map((row) => row.partner_code)).toEqual(['P-001', 'P-002', 'P-003']);

    environment.sheets.setCell(environment.spreadsheetId, "'Partners'!B3", 'Birch & Co.');
    const second = await post({ force_overwrite: false });
    expect(second.body.stats).toMatchObject({ rows_created: 0, rows_updated: 1 });
    expect(second.body.sync_run_id).not.toBe(first.body.sync_run_id);
    expect((await partners())[1]).toEqual({ partner_code: 'P-002', brand_name: 'Birch & Co.' });
    const run = (await environment.pglite.query<{ status: string; rows_updated: number }>('select status, rows_updated from public.sync_runs where id = $1', [second.body.sync_run_id])).rows[0];
    expect(run).toEqual({ status: 'completed', rows_updated: 1 });

    expect((await post({})).body.stats).toMatchObject({ rows_created: 0, rows_updated: 0 });
  });
});
