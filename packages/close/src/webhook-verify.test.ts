import { FieldsyncError } from '@fieldsync/core';
import { describe, expect, it } from 'vitest';
import { signCloseWebhook, verifyCloseWebhook } from './webhook-verify.js';

const signatureKey = 'a1'.repeat(32);
const now = () => 1_700_000_000_000;
const timestamp = 1_700_000_000;
const rawBody = JSON.stringify({ subscription_id: 'whsub_1', event: { id: 'ev_1', object_type: 'lead', object_id: 'lead_1', action: 'updated' } });

function headers(overrides: Record<string, string | undefined> = {}) {
  return { 'close-sig-hash': signCloseWebhook({ rawBody, signatureKey, timestamp }), 'close-sig-timestamp': String(timestamp), ...overrides };
}

function reason(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    expect(FieldsyncError.isInstance(error) && error.code).toBe('WEBHOOK_INVALID');
    return (error as FieldsyncError).details?.reason;
  }
  return 'accepted';
}

describe('verifyCloseWebhook', () => {
  it('accepts a delivery signed with HMAC-SHA256 of timestamp + body under the hex-decoded key', () => {
    const delivery = verifyCloseWebhook({ rawBody, headers: headers(), signatureKey, now });
    expect(delivery).toEqual({ subscriptionId: 'whsub_1', event: { id: 'ev_1', object_type: 'lead', object_id: 'lead_1', action: 'updated' } });
  });

  it('matches an independently computed signature and reads Headers objects case-insensitively', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', Buffer.from(signatureKey, 'hex')).update(`${timestamp}${rawBody}`).digest('hex');
    const fetchHeaders = new Headers({ 'Close-Sig-Hash': expected, 'Close-Sig-Timestamp': String(timestamp) });
    expect(verifyCloseWebhook({ rawBody: Buffer.from(rawBody), headers: fetchHeaders, signatureKey, now }).event.id).toBe('ev_1');
  });

  it('rejects missing headers, a forged signature, a changed body and a wrong key', () => {
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers({ 'close-sig-hash': undefined }), signatureKey, now }))).toBe('missing-signature');
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers({ 'close-sig-timestamp': undefined }), signatureKey, now }))).toBe('missing-timestamp');
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers({ 'close-sig-hash': 'ab'.repeat(32) }), signatureKey, now }))).toBe('bad-signature');
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers({ 'close-sig-hash': 'abc' }), signatureKey, now }))).toBe('bad-signature');
    expect(reason(() => verifyCloseWebhook({ rawBody: rawBody.replace('lead_1', 'lead_2'), headers: headers(), signatureKey, now }))).toBe('bad-signature');
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers(), signatureKey: 'b2'.repeat(32), now }))).toBe('bad-signature');
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers(), signatureKey: 'not hex', now }))).toBe('bad-signature-key');
  });

  it('rejects stale and future timestamps beyond the tolerance (default 5 minutes)', () => {
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers(), signatureKey, now: () => now() + 301_000 }))).toBe('stale-timestamp');
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers(), signatureKey, now: () => now() - 301_000 }))).toBe('stale-timestamp');
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers(), signatureKey, now: () => now() + 299_000 }))).toBe('accepted');
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers(), signatureKey, now: () => now() + 60_000, toleranceSeconds: 30 }))).toBe('stale-timestamp');
    expect(reason(() => verifyCloseWebhook({ rawBody, headers: headers({ 'close-sig-timestamp': 'soon' }), signatureKey, now }))).toBe('bad-timestamp');
  });

  it('rejects a correctly signed body that is not a Close event', () => {
    for (const body of ['not json', '{"event": null}', '{"event": {"id": "ev_1"}}']) {
      const signed = { 'close-sig-hash': signCloseWebhook({ rawBody: body, signatureKey, timestamp }), 'close-sig-timestamp': String(timestamp) };
      expect(reason(() => verifyCloseWebhook({ rawBody: body, headers: signed, signatureKey, now }))).toBe('malformed-body');
    }
  });
});
