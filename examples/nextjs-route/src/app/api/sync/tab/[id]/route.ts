/**
 * Next.js App Router route: `POST /api/sync/tab/:id` syncs one tab mapping of the Master Sheet
 * into the app's Supabase tables. Uses only Web `Request`/`Response`.
 *
 * @example
 * curl -X POST http://localhost:3000/api/sync/tab/master-sheet-partners \
 *   -H "authorization: Bearer $SYNC_ADMIN_TOKEN" -d '{"dry_run": true}'
 */
import { getSyncEngine } from '../../../../../lib/sync-engine.js';
import { handleSyncTab } from '../../../../../lib/sync-tab-handler.js';

// The service-role key and googleapis need the Node.js runtime, and every call must run.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await context.params;
  const adminToken = process.env.SYNC_ADMIN_TOKEN;
  if (!adminToken) return Response.json({ success: false, error: { code: 'CONFIGURATION_INVALID', message: 'Set SYNC_ADMIN_TOKEN on the server.' } }, { status: 500 });
  return handleSyncTab(request, id, { engine: getSyncEngine(), adminToken });
}
