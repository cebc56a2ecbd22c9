import { SourceError, formatMessage } from '@fieldsync/core';
import type { CloseClient } from './close-client.js';
import { formatNaiveUtc, parseCloseDate } from './close-dates.js';
import type { CloseObjectType } from './field-path.js';

/** A deletion found in Close's event log. */
export interface DeletedEvent {
  eventId: string;
  objectId: string;
  /** The event's `date_created`, read as UTC (the log's timestamps carry no offset). */
  deletedAt: Date | null;
}

/** Close caps event pages at 50. */
export const EVENT_PAGE_LIMIT = 50;

/**
 * Reads `GET /event/?object_type=...&action=deleted&date_updated__gte=...`, newest first,
 * following `cursor_next` until it is null.
 */
export async function readDeletedEvents(client: CloseClient, options: { objectType: CloseObjectType; since: number; signal?: AbortSignal }): Promise<DeletedEvent[]> {
  const events: DeletedEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.request<{ data?: unknown; cursor_next?: unknown }>({
      path: '/event/',
      query: { object_type: options.objectType, action: 'deleted', date_updated__gte: formatNaiveUtc(options.since), _limit: EVENT_PAGE_LIMIT, _cursor: cursor },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!Array.isArray(page.data)) {
      throw new SourceError('SOURCE_INVALID_RESPONSE', formatMessage('close', 'Close answered GET /event/ without a data array.', 'Check the baseUrl option points at the Close API.'), { details: { path: '/event/' } });
    }
    for (const item of page.data) {
      if (!item || typeof item !== 'object') continue;
      const event = item as Record<string, unknown>;
      if (typeof event.object_id !== 'string' || event.action !== 'deleted') continue;
      events.push({ eventId: String(event.id), objectId: event.object_id, deletedAt: parseCloseDate(event.date_created ?? event.date_updated) });
    }
    if (typeof page.cursor_next !== 'string' || page.cursor_next === '' || page.data.length === 0) return events;
    cursor = page.cursor_next;
  }
}
