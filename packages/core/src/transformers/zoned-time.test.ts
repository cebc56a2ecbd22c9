import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantToWallTime, isValidTimeZone, timeZoneOffset, wallTimeToUtcMilliseconds, zonedWallTimeToInstant, type WallTime } from './zoned-time.js';

const HOUR = 3_600_000;

function wall(year: number, month: number, day: number, hour = 0, minute = 0): WallTime {
  return { year, month, day, hour, minute, second: 0, millisecond: 0 };
}

describe('zoned time', () => {
  it.each([
    ['America/New_York', Date.UTC(2024, 0, 15), -5 * HOUR],
    ['America/New_York', Date.UTC(2024, 6, 15), -4 * HOUR],
    ['Asia/Kolkata', Date.UTC(2024, 0, 15), 5.5 * HOUR],
    ['Australia/Lord_Howe', Date.UTC(2024, 0, 15), 11 * HOUR],
    ['Australia/Lord_Howe', Date.UTC(2024, 6, 15), 10.5 * HOUR],
    ['UTC', Date.UTC(2024, 0, 15), 0],
    ['Etc/GMT', Date.UTC(2024, 0, 15), 0],
  ])('%s at %s is offset %s ms', (zone, instant, offset) => {
    expect(timeZoneOffset(zone, instant)).toBe(offset);
  });

  it('knows valid zone names and rejects others', () => {
    expect(['Europe/Berlin', 'UTC', 'America/Argentina/Buenos_Aires'].map(isValidTimeZone)).toEqual([true, true, true]);
    expect(['Mars/Olympus', '', 'Europe/'].map(isValidTimeZone)).toEqual([false, false, false]);
  });

  it('handles years before 100 without the Date.UTC two-digit-year trap', () => {
    expect(new Date(wallTimeToUtcMilliseconds(wall(45, 3, 15))).toISOString()).toBe('0045-03-15T00:00:00.000Z');
  });

  it('gap times move forward by the gap; repeated times take the earlier instant', () => {
    expect(new Date(zonedWallTimeToInstant(wall(2024, 3, 31, 2, 30), 'Europe/Berlin')).toISOString()).toBe('2024-03-31T01:30:00.000Z');
    expect(new Date(zonedWallTimeToInstant(wall(2024, 10, 27, 2, 30), 'Europe/Berlin')).toISOString()).toBe('2024-10-27T00:30:00.000Z');
  });

  it('round trip: an instant shown in a zone and converted back is the same instant, unless it is the later of a repeated hour', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.constantFrom('America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Sao_Paulo', 'Pacific/Apia', 'UTC'),
        (instant, zone) => {
          const shown = instantToWallTime(instant, zone);
          const back = zonedWallTimeToInstant(shown, zone);
          if (back !== instant) {
            // Only the second pass through a repeated hour may map to the first, earlier instant.
            expect(back).toBeLessThan(instant);
            expect(instantToWallTime(back, zone)).toEqual(shown);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
