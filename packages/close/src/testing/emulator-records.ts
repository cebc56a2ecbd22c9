import { formatObjectTimestamp } from '../close-dates.js';
import type { CloseObjectType } from '../field-path.js';
import { annualize, closeId, customValues, formatMoney, recordEvent, stamps } from './emulator-data.js';
import type { EmulatorCustomField, EmulatorData, EmulatorRecord } from './emulator-data.js';

/** A contact to add; `custom` takes values by custom field name or id. */
export interface ContactInput {
  id?: string;
  lead_id?: string;
  name?: string;
  title?: string | null;
  emails?: Array<{ email: string; type?: string; is_unsubscribed?: boolean }>;
  phones?: Array<{ phone: string; type?: string; country?: string | null; phone_formatted?: string }>;
  urls?: Array<{ url: string; type?: string }>;
  custom?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A lead to add, with nested contacts and addresses. */
export interface LeadInput {
  id?: string;
  name: string;
  description?: string | null;
  url?: string | null;
  status_label?: string;
  addresses?: Array<Partial<Record<'address_1' | 'address_2' | 'city' | 'state' | 'zipcode' | 'country' | 'label', string | null>>>;
  contacts?: ContactInput[];
  custom?: Record<string, unknown>;
  [field: string]: unknown;
}

/** An opportunity to add. `value` is in cents (25000 is $250). */
export interface OpportunityInput {
  id?: string;
  lead_id: string;
  value?: number | null;
  value_currency?: string;
  value_period?: 'one_time' | 'monthly' | 'annual';
  confidence?: number;
  note?: string | null;
  status_label?: string;
  status_type?: 'active' | 'won' | 'lost';
  date_won?: string | null;
  custom?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A custom field to define. */
export interface CustomFieldInput {
  objectType: CloseObjectType;
  name: string;
  /** `text`, `number`, `date`, `datetime`, `choices`, `user`, ... @default 'text' */
  type?: string;
  acceptsMultipleValues?: boolean;
  choices?: string[];
  /** Fixed id, e.g. for stable fixtures. @default a random `cf_...` */
  id?: string;
}

const STATUS_IDS = new Map<string, string>();
function statusId(label: string): string {
  let id = STATUS_IDS.get(label);
  if (!id) {
    id = closeId('stat');
    STATUS_IDS.set(label, id);
  }
  return id;
}

function withoutCustom<T extends { custom?: unknown }>(input: T): Omit<T, 'custom'> {
  const { custom: _custom, ...rest } = input;
  return rest;
}

/** Defines a custom field. */
export function defineCustomField(data: EmulatorData, input: CustomFieldInput): EmulatorCustomField {
  const at = formatObjectTimestamp(data.now());
  const field: EmulatorCustomField = {
    id: input.id ?? closeId('cf'),
    name: input.name,
    type: input.type ?? 'text',
    accepts_multiple_values: input.acceptsMultipleValues ?? false,
    choices: input.choices ?? null,
    description: null,
    organization_id: data.organizationId,
    is_shared: false,
    editable_with_roles: [],
    referenced_custom_type_id: null,
    back_reference_is_visible: null,
    created_by: data.userId,
    updated_by: data.userId,
    date_created: at,
    date_updated: at,
  };
  data.customFields[input.objectType].push(field);
  return field;
}

/** Adds a contact (to a lead when `lead_id` is given). */
export function addContact(data: EmulatorData, input: ContactInput, options: { event?: boolean; touchLead?: boolean } = {}): EmulatorRecord {
  const name = input.name ?? null;
  const contact: EmulatorRecord = {
    ...stamps(data),
    name,
    display_name: name ?? '',
    title: input.title ?? null,
    lead_id: input.lead_id ?? null,
    timezone: null,
    timezone_source: null,
    integration_links: [],
    urls: (input.urls ?? []).map((url) => ({ type: 'url', ...url })),
    ...withoutCustom(input),
    emails: (input.emails ?? []).map((email) => ({ type: 'office', is_unsubscribed: false, ...email })),
    phones: (input.phones ?? []).map((phone) => ({ type: 'office', country: null, phone_formatted: phone.phone, ...phone })),
    ...customValues(data, 'contact', input.custom),
    id: input.id ?? closeId('cont'),
  };
  data.records.contact.set(contact.id, contact);
  if (options.event !== false) recordEvent(data, { objectType: 'contact', action: 'created', record: contact });
  if (options.touchLead !== false) touchLead(data, contact.lead_id);
  return contact;
}

/** Adds a lead and its nested contacts. */
export function addLead(data: EmulatorData, input: LeadInput): EmulatorRecord {
  const id = input.id ?? closeId('lead');
  const statusLabel = input.status_label ?? 'Potential';
  const { contacts: contactInputs, custom: _custom, ...rest } = input;
  const lead: EmulatorRecord = {
    ...stamps(data),
    created_by_name: data.userName,
    updated_by_name: data.userName,
    description: null,
    url: null,
    addresses: [],
    integration_links: [],
    tasks: [],
    custom: {},
    ...rest,
    display_name: input.name,
    status_label: statusLabel,
    status_id: statusId(statusLabel),
    html_url: `https://app.close.com/lead/${id}/`,
    ...customValues(data, 'lead', input.custom),
    id,
  };
  lead.addresses = (input.addresses ?? []).map((address) => ({ address_1: null, address_2: null, city: null, state: null, zipcode: null, country: null, label: 'business', ...address }));
  data.records.lead.set(id, lead);
  recordEvent(data, { objectType: 'lead', action: 'created', record: lead });
  for (const contact of contactInputs ?? []) addContact(data, { ...contact, lead_id: id }, { touchLead: false });
  return lead;
}

function opportunityDerived(opportunity: EmulatorRecord): void {
  const value = typeof opportunity.value === 'number' ? opportunity.value : null;
  const period = typeof opportunity.value_period === 'string' ? opportunity.value_period : 'one_time';
  const confidence = typeof opportunity.confidence === 'number' ? opportunity.confidence : 0;
  const expected = value === null ? null : Math.round((value * confidence) / 100);
  opportunity.expected_value = expected;
  opportunity.annualized_value = annualize(value, period);
  opportunity.annualized_expected_value = annualize(expected, period);
  opportunity.value_formatted = formatMoney(value, typeof opportunity.value_currency === 'string' ? opportunity.value_currency : 'USD', period);
}

/** Adds an opportunity to a lead. */
export function addOpportunity(data: EmulatorData, input: OpportunityInput): EmulatorRecord {
  if (!data.records.lead.has(input.lead_id)) throw new Error(`close emulator: no lead ${input.lead_id}`);
  const statusLabel = input.status_label ?? 'Active';
  const opportunity: EmulatorRecord = {
    ...stamps(data),
    created_by_name: data.userName,
    updated_by_name: data.userName,
    user_id: data.userId,
    user_name: data.userName,
    contact_id: null,
    contact_name: null,
    attachments: [],
    integration_links: [],
    date_lost: null,
    date_won: null,
    note: null,
    confidence: 0,
    value: null,
    value_currency: 'USD',
    value_period: 'one_time',
    status_type: 'active',
    pipeline_id: 'pipe_emulator',
    pipeline_name: 'Sales',
    ...withoutCustom(input),
    status_label: statusLabel,
    status_display_name: statusLabel,
    status_id: statusId(`opportunity:${statusLabel}`),
    ...customValues(data, 'opportunity', input.custom),
    id: input.id ?? closeId('oppo'),
  };
  opportunityDerived(opportunity);
  data.records.opportunity.set(opportunity.id, opportunity);
  recordEvent(data, { objectType: 'opportunity', action: 'created', record: opportunity });
  touchLead(data, opportunity.lead_id);
  return opportunity;
}

/** Finds which collection holds an id. */
export function findRecord(data: EmulatorData, id: string): { objectType: CloseObjectType; record: EmulatorRecord } | null {
  for (const objectType of ['lead', 'contact', 'opportunity'] as const) {
    const record = data.records[objectType].get(id);
    if (record) return { objectType, record };
  }
  return null;
}

/** The lead a child belongs to gets its `date_updated` bumped too, as its embedded copy changed. */
function touchLead(data: EmulatorData, leadId: unknown): void {
  if (typeof leadId !== 'string') return;
  const lead = data.records.lead.get(leadId);
  if (lead) lead.date_updated = formatObjectTimestamp(data.now());
}

/** Updates fields of any object (`custom` by name or id; `null` clears a custom field); bumps `date_updated`; records an event. */
export function updateRecord(data: EmulatorData, id: string, patch: Record<string, unknown>): EmulatorRecord {
  const found = findRecord(data, id);
  if (!found) throw new Error(`close emulator: nothing with id ${id}`);
  const { objectType, record } = found;
  const { custom, ...fields } = patch as { custom?: Record<string, unknown> };
  const changes: Record<string, unknown> = { ...fields, ...customValues(data, objectType, custom) };
  const previous: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    previous[key] = record[key] ?? null;
    if (value === null && key.startsWith('custom.')) delete record[key];
    else record[key] = value;
  }
  if (objectType === 'opportunity') opportunityDerived(record);
  previous.date_updated = record.date_updated;
  record.date_updated = formatObjectTimestamp(data.now());
  if (objectType !== 'lead') touchLead(data, record.lead_id);
  recordEvent(data, { objectType, action: 'updated', record, previous, changedFields: [...Object.keys(changes), 'date_updated'].sort() });
  return record;
}

/** Deletes an object (a lead takes its contacts and opportunities with it) and records `deleted` events. */
export function deleteRecord(data: EmulatorData, id: string): void {
  const found = findRecord(data, id);
  if (!found) throw new Error(`close emulator: nothing with id ${id}`);
  const { objectType, record } = found;
  if (objectType === 'lead') {
    for (const child of ['contact', 'opportunity'] as const) {
      for (const [childId, childRecord] of data.records[child]) {
        if (childRecord.lead_id !== id) continue;
        data.records[child].delete(childId);
        recordEvent(data, { objectType: child, action: 'deleted', record: childRecord, previous: { ...childRecord } });
      }
    }
  }
  data.records[objectType].delete(id);
  if (objectType !== 'lead') touchLead(data, record.lead_id);
  recordEvent(data, { objectType, action: 'deleted', record, previous: { ...record } });
}
