/**
 * Close timestamps. Objects carry an offset (`2026-06-19T11:04:43.182000+00:00`); the event
 * log does not (`2022-11-08T17:15:13.041000`), and `new Date()` would read that form as local
 * time. Everything here parses explicitly, independent of the process time zone.
 */

const CLOSE_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a Close timestamp to epoch milliseconds. A timestamp without an offset is UTC (the
 * event log's form). Fractions past milliseconds are dropped. Returns null for anything else.
 *
 * @example parseCloseTimestamp('2022-11-08T17:15:13.041000') // Date.UTC(2022, 10, 8, 17, 15, 13, 41)
 */
export function parseCloseTimestamp(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = CLOSE_TIMESTAMP.exec(value.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  const milliseconds = fraction ? Number(fraction.padEnd(3, '0').slice(0, 3)) : 0;
  let time = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second ?? 0), milliseconds);
  if (offset && offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    time -= sign * offsetMinutes * 60_000;
  }
  return Number.isNaN(time) ? null : time;
}

/** Like {@link parseCloseTimestamp}, as a `Date`, or null. */
export function parseCloseDate(value: unknown): Date | null {
  const time = parseCloseTimestamp(value);
  return time === null ? null : new Date(time);
}

/** Start of the UTC minute holding `time` (epoch milliseconds). */
export function floorToMinute(time: number): number {
  return Math.floor(time / 60_000) * 60_000;
}

/** `YYYY-MM-DDTHH:MM` in UTC: the minute-precision form of Close's lead search query. */
export function formatSearchMinute(time: number): string {
  return new Date(floorToMinute(time)).toISOString().slice(0, 16);
}

/** `YYYY-MM-DDTHH:MM:SS.ffffff` in UTC without offset: the event log's own form, with microseconds. */
export function formatNaiveUtc(time: number): string {
  return `${new Date(time).toISOString().slice(0, 23)}000`;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`: the form Close gives object timestamps. */
export function formatObjectTimestamp(time: number): string {
  return `${formatNaiveUtc(time)}+00:00`;
}
