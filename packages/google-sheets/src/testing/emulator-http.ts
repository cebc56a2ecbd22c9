/**
 * HTTP plumbing of the Sheets emulator: Google's error bodies (`{ error: { code, message, status } }`,
 * 429 without Retry-After), JSON answers, request bodies and enum parameters.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmulatedApiError } from './emulator-spreadsheet.js';

export const QUOTA_MESSAGE =
  "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.";

export const STATUS_TEXT: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  401: {
    status: 'UNAUTHENTICATED',
    message:
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission' },
  404: { status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  429: { status: 'RESOURCE_EXHAUSTED', message: QUOTA_MESSAGE },
  500: { status: 'INTERNAL', message: 'Internal error encountered.' },
  503: { status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
};

export function errorBody(code: number, message?: string, status?: string): Record<string, unknown> {
  const known = STATUS_TEXT[code];
  const error: Record<string, unknown> = { code, message: message ?? known?.message ?? 'Error', status: status ?? known?.status ?? 'UNKNOWN' };
  if (code === 429) {
    error.details = [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'RATE_LIMIT_EXCEEDED',
        domain: 'googleapis.com',
        metadata: { quota_limit_value: '60', service: 'sheets.googleapis.com', quota_unit: '1/min/{project}/{user}', quota_limit: 'ReadRequestsPerMinutePerUser' },
      },
    ];
  }
  return { error };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  // Like Google: JSON, no Retry-After even on 429.
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export function enumParam<T extends string>(value: string | null, allowed: readonly T[], fallback: T, name: string): T {
  if (value === null) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new EmulatedApiError(400, 'INVALID_ARGUMENT', `Invalid value at '${name}' (${value})`);
}
