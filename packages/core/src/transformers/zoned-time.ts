/**
 * Wall-clock times in IANA time zones, converted with `Intl` only (no time-zone library).
 * Used by the date transformer for naive date-times and Sheets serial numbers.
 */

/** A calendar date and clock time with no zone attached. Months and days start at 1. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const DAY_MS = 86_400_000;
const UTC_ZONES = new Set(['UTC', 'ETC/UTC', 'ETC/GMT', 'GMT', 'ETC/UCT', 'UCT', 'ETC/ZULU', 'ZULU', 'ETC/UNIVERSAL', 'UNIVERSAL']);
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `Intl` knows the IANA zone name, e.g. `'America/New_York'`. */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds since the epoch of a wall time read as if it were UTC. Handles years 0-99 correctly. */
export function wallTimeToUtcMilliseconds(wall: WallTime): number {
  const date = new Date(0);
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, wall.millisecond);
  return date.getTime();
}

/** The wall time of an instant read in UTC. */
export function utcMillisecondsToWallTime(epochMilliseconds: number): WallTime {
  const date = new Date(epochMilliseconds);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (`-5 h` for New York in winter). */
export function timeZoneOffset(timeZone: string, epochMilliseconds: number): number {
  if (UTC_ZONES.has(timeZone.toUpperCase())) return 0;
  const wholeSecond = Math.floor(epochMilliseconds / 1000) * 1000;
  const parts = formatterFor(timeZone).formatToParts(new Date(wholeSecond));
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const era = parts.find((part) => part.type === 'era')?.value ?? 'AD';
  const yearOfEra = field('year');
  const year = era.startsWith('B') ? 1 - yearOfEra : yearOfEra;
  const hour = field('hour');
  const asUtc = wallTimeToUtcMilliseconds({
    year,
    month: field('month'),
    day: field('day'),
    hour: hour === 24 ? 0 : hour,
    minute: field('minute'),
    second: field('second'),
    millisecond: 0,
  });
  return asUtc - wholeSecond;
}

/** The wall time an instant shows in a zone. */
export function instantToWallTime(epochMilliseconds: number, timeZone: string): WallTime {
  return utcMillisecondsToWallTime(epochMilliseconds + timeZoneOffset(timeZone, epochMilliseconds));
}

/**
 * The instant at which a zone's clocks show a wall time. Like Temporal's `'compatible'`
 * disambiguation: a time skipped by a spring-forward gap moves forward by the gap
 * (02:30 on a New York spring-forward day is 03:30 EDT), and a time repeated by a fall-back
 * overlap takes the earlier instant (01:30 EDT, not 01:30 EST).
 */
export function zonedWallTimeToInstant(wall: WallTime, timeZone: string): number {
  const local = wallTimeToUtcMilliseconds(wall);
  if (UTC_ZONES.has(timeZone.toUpperCase())) return local;
  // Zones change offset at most once within a day, so the offsets a day before and after
  // bracket every candidate.
  const before = timeZoneOffset(timeZone, local - DAY_MS);
  const after = timeZoneOffset(timeZone, local + DAY_MS);
  const candidates = [local - before, local - after].filter((instant) => instant + timeZoneOffset(timeZone, instant) === local);
  if (candidates.length > 0) return Math.min(...candidates);
  return local - before;
}
