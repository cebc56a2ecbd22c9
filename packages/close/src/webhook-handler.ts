import { FieldsyncError, describeError } from '@fieldsync/core';
import type { SyncEngine } from '@fieldsync/core';
import { parseCloseDate } from './close-dates.js';
import { holdDeletionTime } from './deletion-hints.js';
import type { CloseObjectType } from './field-path.js';
import { verifyCloseWebhook } from './webhook-verify.js';
import type { WebhookHeaders } from './webhook-verify.js';

/** Options of {@link createCloseWebhookHandler}. */
export interface CloseWebhookHandlerOptions {
  /** The engine to sync with (only `syncTab` is used). */
  engine: Pick<SyncEngine, 'syncTab'>;
  /** The subscription's `signature_key` (hex). */
  signatureKey: string;
  /**
   * Tab mapping id to sync per Close object type, e.g. `{ lead: 'close-leads' }`. An event on a
   * type without a tab but with a `lead_id` (a contact, an opportunity) syncs that lead through
   * the `lead` tab; other events are acknowledged and ignored.
   */
  tabs: Partial<Record<CloseObjectType, string>>;
  /** @default 300 */
  toleranceSeconds?: number;
  /** Clock, epoch milliseconds. @default Date.now */
  now?: () => number;
}

/** A framework-neutral response. */
export interface CloseWebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Handles one delivery. */
export interface CloseWebhookHandler {
  handle(request: { rawBody: string | Uint8Array; headers: WebhookHeaders }): Promise<CloseWebhookResponse>;
}

const SYNCED_ACTIONS = new Set(['created', 'updated', 'deleted']);

/**
 * Turns Close webhook deliveries into syncs of the one object they name: verify the signature,
 * then `engine.syncTab(tab, { trigger: 'webhook', ids: [object_id] })`. The strategy reads that
 * object by id; a deleted object answers 404 and is reported as a deletion, which the tab's delete
 * policy handles. Redeliveries (Close retries for 72 hours) change nothing the second time, since
 * the engine writes only values that differ.
 *
 * Status codes: 200 synced or ignored, 400 malformed body, 401 bad or stale signature, 503 when
 * the tab is busy, 500 when the sync failed (Close then retries).
 *
 * @example Next.js route (app/api/close-webhook/route.ts)
 * const handler = createCloseWebhookHandler({ engine, signatureKey: process.env.CLOSE_WEBHOOK_KEY!, tabs: { lead: 'close-leads' } });
 * export async function POST(request: Request) {
 *   const { status, body } = await handler.handle({ rawBody: Buffer.from(await request.arrayBuffer()), headers: request.headers });
 *   return Response.json(body, { status });
 * }
 */
export function createCloseWebhookHandler(options: CloseWebhookHandlerOptions): CloseWebhookHandler {
  return {
    async handle(request) {
      let event;
      try {
        const verifyOptions = { rawBody: request.rawBody, headers: request.headers, signatureKey: options.signatureKey };
        ({ event } = verifyCloseWebhook({
          ...verifyOptions,
          ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
          ...(options.now === undefined ? {} : { now: options.now }),
        }));
      } catch (error) {
        if (!FieldsyncError.isInstance(error)) throw error;
        const reason = error.details?.reason;
        const status = reason === 'malformed-body' ? 400 : reason === 'bad-signature-key' ? 500 : 401;
        return { status, body: { ok: false, error: error.code, reason } };
      }
      let tabMappingId = options.tabs[event.object_type as CloseObjectType];
      let objectId = event.object_id;
      if (!tabMappingId && options.tabs.lead && typeof event.lead_id === 'string' && event.lead_id !== '') {
        // A change to a lead's contact, opportunity or activity changes what a lead tab reads
        // through nested paths: sync the lead.
        tabMappingId = options.tabs.lead;
        objectId = event.lead_id;
      }
      if (!tabMappingId || !SYNCED_ACTIONS.has(event.action)) {
        return { status: 200, body: { ok: true, ignored: true, objectType: event.object_type, action: event.action } };
      }
      // A deletion of the synced object itself: the event's time becomes the record's deletedAt.
      const deletedAt = event.action === 'deleted' && objectId === event.object_id ? parseCloseDate(event.date_updated ?? event.date_created) : null;
      const release = deletedAt ? holdDeletionTime(event.object_type, objectId, deletedAt) : () => {};
      try {
        const result = await options.engine.syncTab(tabMappingId, { trigger: 'webhook', ids: [objectId] });
        return {
          status: 200,
          body: { ok: true, eventId: event.id, syncRunId: result.syncRunId },
        };
      } catch (error) {
        const described = describeError(error);
        return { status: described.code === 'SYNC_LOCKED' ? 503 : 500, body: { ok: false, eventId: event.id, error: described.code, message: described.message } };
      } finally {
        release();
      }
    },
  };
}
