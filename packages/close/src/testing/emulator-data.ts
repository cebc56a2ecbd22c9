import { randomBytes } from 'node:crypto';
import { formatNaiveUtc, formatObjectTimestamp } from '../close-dates.js';
import type { CloseObjectType } from '../field-path.js';

/** A JSON object as the emulator stores it. */
export type EmulatorRecord = Record<string, unknown> & { id: string };

/** A custom field definition (the fields `GET /custom_field/{type}/` lists). */
export interface EmulatorCustomField {
  id: string;
  name: string;
  type: string;
  accepts_multiple_values: boolean;
  choices: string[] | null;
  description: string | null;
  organization_id: string;
  is_shared: boolean;
  editable_with_roles: string[];
  referenced_custom_type_id: string | null;
  back_reference_is_visible: boolean | null;
  created_by: string;
  updated_by: string;
  date_created: string;
  date_updated: string;
}

/** An event-log entry; timestamps have no offset, as Close's event log has them. */
export interface EmulatorEvent {
  id: string;
  object_type: string;
  object_id: string;
  action: 'created' | 'updated' | 'deleted';
  lead_id: string | null;
  date_created: string;
  date_updated: string;
  changed_fields: string[];
  previous_data: Record<string, unknown>;
  data: Record<string, unknown>;
  meta: Record<string, unknown>;
  request_id: string | null;
  api_key_id: string | null;
  user_id: string;
  organization_id: string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A Close-looking id: `lead_` + 43 characters (`ev_`, `whsub_` and `stat_` ids are shorter). */
export function closeId(prefix: string, length = 43): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${id}`;
}

/** Shared state of one emulator. */
export interface EmulatorData {
  organizationId: string;
  userId: string;
  userName: string;
  records: Record<CloseObjectType, Map<string, EmulatorRecord>>;
  customFields: Record<CloseObjectType, EmulatorCustomField[]>;
  /** Oldest first; `GET /event/` serves them newest first. */
  events: EmulatorEvent[];
  now(): number;
}

/** Creates the state. */
export function createEmulatorData(now: () => number): EmulatorData {
  return {
    organizationId: closeId('orga'),
    userId: closeId('user'),
    userName: 'Emulator User',
    records: { lead: new Map(), contact: new Map(), opportunity: new Map() },
    customFields: { lead: [], contact: [], opportunity: [] },
    events: [],
    now,
  };
}

/** Resolves a `custom` input (`{ Industry: 'Retail' }` by name or `{ cf_x: ... }` by id) into flat `custom.cf_...` keys. */
export function customValues(data: EmulatorData, objectType: CloseObjectType, input: Record<string, unknown> | undefined): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [reference, value] of Object.entries(input ?? {})) {
    const field = data.customFields[objectType].find((candidate) => candidate.id === reference || candidate.name === reference);
    if (!field) throw new Error(`close emulator: no ${objectType} custom field "${reference}"; call defineCustomField first`);
    values[`custom.${field.id}`] = value;
  }
  return values;
}

/** Records an event for a change. */
export function recordEvent(
  data: EmulatorData,
  change: { objectType: CloseObjectType; action: EmulatorEvent['action']; record: EmulatorRecord; previous?: Record<string, unknown>; changedFields?: string[] },
): EmulatorEvent {
  const at = formatNaiveUtc(data.now());
  const leadId = change.objectType === 'lead' ? change.record.id : typeof change.record.lead_id === 'string' ? change.record.lead_id : null;
  const event: EmulatorEvent = {
    id: closeId('ev', 22),
    object_type: change.objectType,
    object_id: change.record.id,
    action: change.action,
    lead_id: leadId,
    date_created: at,
    date_updated: at,
    changed_fields: change.changedFields ?? [],
    previous_data: change.previous ?? {},
    data: change.action === 'deleted' ? {} : { ...change.record },
    meta: {},
    request_id: null,
    api_key_id: null,
    user_id: data.userId,
    organization_id: data.organizationId,
  };
  data.events.push(event);
  return event;
}

/** Fields every object carries, stamped with the emulator clock. */
export function stamps(data: EmulatorData): Record<string, unknown> {
  const at = formatObjectTimestamp(data.now());
  return { organization_id: data.organizationId, created_by: data.userId, updated_by: data.userId, date_created: at, date_updated: at };
}

/** A lead as the API returns it, with its contacts and opportunities embedded. */
export function composeLead(data: EmulatorData, lead: EmulatorRecord): EmulatorRecord {
  const contacts = [...data.records.contact.values()].filter((contact) => contact.lead_id === lead.id);
  const opportunities = [...data.records.opportunity.values()].filter((opportunity) => opportunity.lead_id === lead.id).map((opportunity) => composeOpportunity(data, opportunity));
  return { ...lead, contacts, opportunities };
}

/** An opportunity as the API returns it, with the lead name filled in. */
export function composeOpportunity(data: EmulatorData, opportunity: EmulatorRecord): EmulatorRecord {
  const lead = typeof opportunity.lead_id === 'string' ? data.records.lead.get(opportunity.lead_id) : undefined;
  return { ...opportunity, lead_name: lead ? (lead.name ?? null) : null };
}

/** Formats cents as Close's display string: 25000 -> "$250", with the period ("$500 annual"). */
export function formatMoney(cents: number | null, currency: string, period: string): string | null {
  if (cents === null || cents === 0) return null;
  const symbol = currency === 'USD' ? '$' : currency === 'EUR' ? '€' : currency === 'GBP' ? '£' : `${currency} `;
  const units = cents / 100;
  const text = `${symbol}${Number.isInteger(units) ? units.toLocaleString('en-US') : units.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return period === 'one_time' ? text : `${text} ${period}`;
}

/** Annualised cents of a value with its period. */
export function annualize(cents: number | null, period: string): number | null {
  if (cents === null) return null;
  return period === 'monthly' ? cents * 12 : cents;
}
