import { describe, expect, it } from 'vitest';
import { floorToMinute, formatNaiveUtc, formatSearchMinute, parseCloseDate, parseCloseTimestamp } from './close-dates.js';

describe('parseCloseTimestamp', () => {
  it('reads an event-log timestamp without offset as UTC, whatever the local time zone', () => {
    // new Date() would read this as local time (22:15Z under America/New_York).
    expect(parseCloseTimestamp('2022-11-08T17:15:13.041000')).toBe(Date.UTC(2022, 10, 8, 17, 15, 13, 41));
  });

  it('drops microseconds past milliseconds', () => {
    expect(parseCloseTimestamp('2022-11-08T17:15:11.279217')).toBe(Date.UTC(2022, 10, 8, 17, 15, 11, 279));
  });

  it('applies offsets of object timestamps', () => {
    expect(parseCloseTimestamp('2026-06-19T11:04:43.182000+00:00')).toBe(Date.UTC(2026, 5, 19, 11, 4, 43, 182));
    expect(parseCloseTimestamp('2026-06-19T13:04:43.182+02:00')).toBe(Date.UTC(2026, 5, 19, 11, 4, 43, 182));
    expect(parseCloseTimestamp('2026-06-19T06:04:43-0500')).toBe(Date.UTC(2026, 5, 19, 11, 4, 43));
    expect(parseCloseTimestamp('2026-06-19T11:04Z')).toBe(Date.UTC(2026, 5, 19, 11, 4));
  });

  it('returns null for what is not a timestamp', () => {
    expect(parseCloseTimestamp('2026-06-19')).toBeNull();
    expect(parseCloseTimestamp('yesterday')).toBeNull();
    expect(parseCloseTimestamp(null)).toBeNull();
    expect(parseCloseDate(42)).toBeNull();
  });

  it('formats the search minute, the naive UTC form, and floors to the minute', () => {
    const time = Date.UTC(2024, 0, 1, 10, 0, 59, 999);
    expect(formatSearchMinute(time)).toBe('2024-01-01T10:00');
    expect(formatNaiveUtc(time)).toBe('2024-01-01T10:00:59.999000');
    expect(floorToMinute(time)).toBe(Date.UTC(2024, 0, 1, 10, 0));
    expect(parseCloseTimestamp(formatNaiveUtc(time))).toBe(time);
  });
});
