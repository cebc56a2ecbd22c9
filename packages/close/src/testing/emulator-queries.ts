import { floorToMinute, parseCloseTimestamp } from '../close-dates.js';
import { annualize, formatMoney } from './emulator-data.js';
import type { EmulatorEvent, EmulatorRecord } from './emulator-data.js';

/** A 400 the emulator answers with, in the shape Close uses for field errors. */
export class EmulatorBadRequest extends Error {
  constructor(readonly body: Record<string, unknown>) {
    super('bad request');
  }
}

function fieldError(field: string, message: string): EmulatorBadRequest {
  return new EmulatorBadRequest({ errors: [], 'field-errors': { [field]: message } });
}

/** Reads `_limit` and `_skip`, refusing values over the resource's maximum as Close does. */
export function paging(params: URLSearchParams, limits: { defaultLimit: number; maxLimit: number; maxSkip?: number }): { limit: number; skip: number } {
  const limitText = params.get('_limit');
  const skipText = params.get('_skip');
  const limit = limitText === null ? limits.defaultLimit : Number(limitText);
  const skip = skipText === null ? 0 : Number(skipText);
  if (!Number.isInteger(limit) || limit < 0) throw fieldError('_limit', 'Input should be a valid integer');
  if (limit > limits.maxLimit) throw fieldError('_limit', `Input should be less than or equal to ${limits.maxLimit}`);
  if (!Number.isInteger(skip) || skip < 0) throw fieldError('_skip', 'Input should be a valid integer');
  if (limits.maxSkip !== undefined && skip > limits.maxSkip) throw fieldError('_skip', `Input should be less than or equal to ${limits.maxSkip}`);
  return { limit, skip };
}

/** Applies `_fields`: `custom` keeps the `custom` object and every `custom.cf_...` key; `custom.cf_x` keeps one. */
export function project(record: EmulatorRecord, fieldsParam: string | null): Record<string, unknown> {
  if (fieldsParam === null || fieldsParam.trim() === '') return record;
  const result: Record<string, unknown> = {};
  for (const field of fieldsParam.split(',').map((name) => name.trim()).filter(Boolean)) {
    if (field === 'custom') {
      result.custom = record.custom ?? {};
      for (const [key, value] of Object.entries(record)) if (key.startsWith('custom.')) result[key] = value;
    } else if (field in record) {
      result[field] = record[field];
    }
  }
  return result;
}

type Comparison = '>=' | '>' | '<=' | '<';

/** The part of Close's lead search query the emulator understands: `date_updated>="..."` terms and `sort:`. */
export interface LeadQuery {
  /** Each bound at minute precision, as Close applies it. */
  bounds: Array<{ field: 'date_updated' | 'date_created'; comparison: Comparison; minute: number }>;
  sort: { field: string; descending: boolean } | null;
}

const TERM = /^(date_updated|date_created)\s*(>=|<=|>|<)\s*"?([^"\s]+)"?$/;

/** Parses the lead `query` parameter; anything else is a 400. */
export function parseLeadQuery(query: string): LeadQuery {
  const result: LeadQuery = { bounds: [], sort: null };
  const tokens = query.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  for (const token of tokens) {
    if (token.startsWith('sort:')) {
      const field = token.slice('sort:'.length);
      result.sort = { field: field.replace(/^-/, ''), descending: field.startsWith('-') };
      continue;
    }
    const match = TERM.exec(token);
    const time = match ? parseCloseTimestamp(match[3]) : null;
    if (!match || time === null) throw fieldError('query', `Unsupported query term: ${token}`);
    result.bounds.push({ field: match[1] as 'date_updated' | 'date_created', comparison: match[2] as Comparison, minute: floorToMinute(time) });
  }
  return result;
}

/** Filters by the search query's minute-precision bounds: `>= 10:00` keeps 10:00:00.000 and later. */
export function matchesLeadQuery(record: EmulatorRecord, query: LeadQuery): boolean {
  return query.bounds.every((bound) => {
    const time = parseCloseTimestamp(record[bound.field]);
    if (time === null) return false;
    const minuteEnd = bound.minute + 60_000;
    switch (bound.comparison) {
      case '>=':
        return time >= bound.minute;
      case '>':
        return time >= minuteEnd;
      case '<':
        return time < bound.minute;
      case '<=':
        return time < minuteEnd;
    }
  });
}

/** Applies `date_updated__gte/__gt/__lte/__lt` (and the same on `date_created`); offset-less values are UTC. */
export function matchesDateFilters(record: Record<string, unknown>, params: URLSearchParams): boolean {
  for (const field of ['date_updated', 'date_created']) {
    for (const [suffix, test] of [
      ['gte', (a: number, b: number) => a >= b],
      ['gt', (a: number, b: number) => a > b],
      ['lte', (a: number, b: number) => a <= b],
      ['lt', (a: number, b: number) => a < b],
    ] as const) {
      const raw = params.get(`${field}__${suffix}`);
      if (raw === null) continue;
      const bound = parseCloseTimestamp(raw);
      if (bound === null) throw fieldError(`${field}__${suffix}`, 'Input should be a valid datetime');
      const time = parseCloseTimestamp(record[field]);
      if (time === null || !test(time, bound)) return false;
    }
  }
  return true;
}

/** Sorts by a field (`date_updated`, `-date_updated`, ...), ties by id, without changing the input. */
export function sortRecords<T extends Record<string, unknown>>(records: T[], field: string, descending: boolean): T[] {
  const key = (record: T) => {
    const value = record[field];
    const time = parseCloseTimestamp(value);
    return time ?? (typeof value === 'number' ? value : String(value ?? ''));
  };
  return [...records].sort((a, b) => {
    const left = key(a);
    const right = key(b);
    const order = left < right ? -1 : left > right ? 1 : String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0;
    return descending ? -order : order;
  });
}

/** The 17 aggregate keys Close adds to an opportunity page, over every matching opportunity (cents). */
export function opportunityAggregates(opportunities: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const periods = ['annual', 'monthly', 'one_time'] as const;
  const counts: Record<string, number> = {};
  const totals = { total: { annual: 0, monthly: 0, one_time: 0, annualized: 0 }, expected: { annual: 0, monthly: 0, one_time: 0, annualized: 0 } };
  for (const opportunity of opportunities) {
    const period = typeof opportunity.value_period === 'string' ? opportunity.value_period : 'one_time';
    const value = typeof opportunity.value === 'number' ? opportunity.value : 0;
    const expected = typeof opportunity.expected_value === 'number' ? opportunity.expected_value : 0;
    counts[period] = (counts[period] ?? 0) + 1;
    if (period === 'annual' || period === 'monthly' || period === 'one_time') {
      totals.total[period] += value;
      totals.expected[period] += expected;
    }
    totals.total.annualized += annualize(value, period) ?? 0;
    totals.expected.annualized += annualize(expected, period) ?? 0;
  }
  result.count_by_value_period = counts;
  for (const kind of ['total', 'expected'] as const) {
    for (const period of [...periods, 'annualized'] as const) {
      const cents = totals[kind][period];
      result[`${kind}_value_${period}`] = cents;
      result[`${kind}_value_${period}_formatted`] = formatMoney(cents, 'USD', 'one_time');
    }
  }
  return result;
}

/** One page of the event log, newest first, paged by an opaque `_cursor`. */
export function pageEvents(events: ReadonlyArray<EmulatorEvent>, params: URLSearchParams): { data: EmulatorEvent[]; cursor_next: string | null; cursor_previous: string | null } {
  const { limit } = paging(params, { defaultLimit: 50, maxLimit: 50 });
  const filters = ['object_type', 'object_id', 'action', 'lead_id', 'user_id', 'request_id'] as const;
  let matching = events
    .map((event, index) => ({ event, index }))
    .filter(({ event }) => filters.every((name) => params.get(name) === null || String(event[name]) === params.get(name)))
    .filter(({ event }) => matchesDateFilters(event as unknown as Record<string, unknown>, params))
    .reverse();
  const cursor = params.get('_cursor');
  if (cursor) {
    const before = decodeCursor(cursor);
    matching = matching.filter(({ index }) => index < before);
  }
  const page = matching.slice(0, limit);
  const last = page[page.length - 1];
  const first = page[0];
  return {
    data: page.map(({ event }) => event),
    cursor_next: last && matching.length > page.length ? encodeCursor(last.index) : null,
    cursor_previous: first && cursor ? encodeCursor(first.index + 1) : null,
  };
}

function encodeCursor(index: number): string {
  return Buffer.from(JSON.stringify({ before: index })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof value.before === 'number') return value.before;
  } catch {
    // fall through to the 400
  }
  throw fieldError('_cursor', 'Invalid cursor');
}
