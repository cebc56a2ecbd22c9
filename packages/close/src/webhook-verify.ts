import { createHmac, timingSafeEqual } from 'node:crypto';
import { FieldsyncError, formatMessage } from '@fieldsync/core';

/** Request headers, as a plain object (Node, Express) or a `Headers` (fetch, Next.js). */
export type WebhookHeaders = Headers | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>;

/** One Close event, as a webhook delivers it inside `{ event, subscription_id }`. */
export interface CloseEvent {
  id: string;
  object_type: string;
  object_id: string;
  action: string;
  lead_id?: string | null;
  date_created?: string;
  date_updated?: string;
  changed_fields?: string[];
  previous_data?: Record<string, unknown>;
  data?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A verified delivery. */
export interface CloseWebhookDelivery {
  event: CloseEvent;
  subscriptionId: string | null;
}

/** Options of {@link verifyCloseWebhook}. */
export interface VerifyCloseWebhookOptions {
  /**
   * The body exactly as received, before any JSON parsing: preferably the bytes
   * (`Buffer.from(await request.arrayBuffer())`), since `request.text()` replaces bytes that are
   * not valid UTF-8.
   */
  rawBody: string | Uint8Array;
  headers: WebhookHeaders;
  /** The subscription's `signature_key` (hex), as Close returned it when the webhook was created. */
  signatureKey: string;
  /** Deliveries whose timestamp is further than this from now are refused. @default 300 */
  toleranceSeconds?: number;
  /** Clock, epoch milliseconds. @default Date.now */
  now?: () => number;
}

/** Why a delivery was refused (the `reason` in the error's details). */
export type WebhookRejection = 'missing-signature' | 'missing-timestamp' | 'bad-timestamp' | 'stale-timestamp' | 'bad-signature' | 'malformed-body' | 'bad-signature-key';

/** Reads a header case-insensitively from either header shape. */
export function readHeader(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | ReadonlyArray<string> | undefined>)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}

function reject(reason: WebhookRejection, problem: string, fix?: string): FieldsyncError {
  return new FieldsyncError('WEBHOOK_INVALID', formatMessage('close', problem, fix), { details: { reason } });
}

/**
 * The hex HMAC-SHA256 Close puts in `close-sig-hash`: keyed with the hex-decoded signature key,
 * over `timestamp + rawBody`.
 */
export function signCloseWebhook(options: { rawBody: string | Uint8Array; signatureKey: string; timestamp: number | string }): string {
  const hmac = createHmac('sha256', Buffer.from(options.signatureKey, 'hex'));
  hmac.update(String(options.timestamp));
  hmac.update(typeof options.rawBody === 'string' ? Buffer.from(options.rawBody, 'utf8') : options.rawBody);
  return hmac.digest('hex');
}

/**
 * Verifies a Close webhook delivery: both signature headers present, timestamp within the
 * tolerance, signature equal in constant time, body a JSON `{ event }`. Returns the event, or
 * throws a `FieldsyncError` with code `WEBHOOK_INVALID` and `details.reason`.
 *
 * @example
 * const { event } = verifyCloseWebhook({ rawBody: Buffer.from(await request.arrayBuffer()), headers: request.headers, signatureKey });
 */
export function verifyCloseWebhook(options: VerifyCloseWebhookOptions): CloseWebhookDelivery {
  if (!/^[0-9a-fA-F]+$/.test(options.signatureKey) || options.signatureKey.length % 2 !== 0) {
    throw reject('bad-signature-key', 'The webhook signature key is not hex.', "Pass the subscription's signature_key exactly as Close returned it.");
  }
  const signature = readHeader(options.headers, 'close-sig-hash')?.trim();
  const timestampText = readHeader(options.headers, 'close-sig-timestamp')?.trim();
  if (!signature) throw reject('missing-signature', 'Webhook delivery has no close-sig-hash header.', 'Only Close deliveries are accepted.');
  if (!timestampText) throw reject('missing-timestamp', 'Webhook delivery has no close-sig-timestamp header.', 'Only Close deliveries are accepted.');
  if (!/^\d{1,12}$/.test(timestampText)) throw reject('bad-timestamp', 'Webhook close-sig-timestamp is not unix seconds.');
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  if (Math.abs(nowSeconds - Number(timestampText)) > tolerance) {
    throw reject('stale-timestamp', `Webhook delivery is older than ${tolerance} s (or from the future).`, 'Replayed or delayed deliveries are refused; check the server clock.');
  }
  const expected = Buffer.from(signCloseWebhook({ rawBody: options.rawBody, signatureKey: options.signatureKey, timestamp: timestampText }), 'hex');
  const given = /^[0-9a-fA-F]+$/.test(signature) && signature.length % 2 === 0 ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw reject('bad-signature', 'Webhook signature does not match.', "Check the signature key is this subscription's signature_key.");
  }
  let payload: unknown;
  try {
    payload = JSON.parse(typeof options.rawBody === 'string' ? options.rawBody : Buffer.from(options.rawBody).toString('utf8'));
  } catch {
    throw reject('malformed-body', 'Webhook body is not JSON.');
  }
  const event = payload && typeof payload === 'object' ? (payload as Record<string, unknown>).event : undefined;
  if (!event || typeof event !== 'object') throw reject('malformed-body', 'Webhook body has no event object.');
  const record = event as Record<string, unknown>;
  if (typeof record.object_type !== 'string' || typeof record.action !== 'string' || typeof record.object_id !== 'string') {
    throw reject('malformed-body', 'Webhook event lacks object_type, action or object_id.');
  }
  const subscriptionId = (payload as Record<string, unknown>).subscription_id;
  return { event: record as CloseEvent, subscriptionId: typeof subscriptionId === 'string' ? subscriptionId : null };
}
