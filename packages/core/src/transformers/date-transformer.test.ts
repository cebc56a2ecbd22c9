import { describe, expect, it } from 'vitest';
import type { TransformContext } from '../transformer.js';
import { dateTransformer, type DateTransformerOptions } from './date-transformer.js';

function run(value: unknown, options: DateTransformerOptions = {}, extra: Partial<TransformContext> = {}) {
  return dateTransformer.transform(value, { options, column: 'Start', field: 'started_on', ...extra });
}

function valueOf(value: unknown, options: DateTransformerOptions = {}, extra: Partial<TransformContext> = {}) {
  const result = run(value, options, extra);
  if (!result.ok) throw new Error(`expected ok for ${String(value)}, got ${result.error}`);
  return result.value;
}

function instantOf(value: unknown, options: DateTransformerOptions = {}, extra: Partial<TransformContext> = {}): string {
  const result = valueOf(value, { output: 'timestamp', ...options }, extra);
  if (!(result instanceof Date)) throw new Error(`expected a Date for ${String(value)}`);
  return result.toISOString();
}

describe('date - Sheets serial numbers (recorded UNFORMATTED_VALUE facts)', () => {
  it.each([
    [43831, '2020-01-01'],
    [36162, '1999-01-02'],
    [2.5, '1900-01-01'],
    [0, '1899-12-30'],
    [1, '1899-12-31'],
    [-1, '1899-12-29'],
    [45351, '2024-02-29'],
    [43831.999, '2020-01-01'],
  ])('serial %s is the calendar date %s', (serial, expected) => {
    expect(valueOf(serial)).toBe(expected);
  });

  it('serial 2.5 is 1900-01-01 12:00 wall-clock time', () => {
    expect(instantOf(2.5)).toBe('1900-01-01T12:00:00.000Z');
  });

  it('serials are wall-clock times in the spreadsheet zone from context.timeZone', () => {
    expect(instantOf(43831.5, {}, { timeZone: 'America/New_York' })).toBe('2020-01-01T17:00:00.000Z');
    expect(instantOf(43831.5, {}, { timeZone: 'Europe/Berlin' })).toBe('2020-01-01T11:00:00.000Z');
  });

  it('options.timeZone overrides context.timeZone', () => {
    expect(instantOf(43831.5, { timeZone: 'Asia/Tokyo' }, { timeZone: 'America/New_York' })).toBe('2020-01-01T03:00:00.000Z');
  });

  it('rounds floating-point noise to the millisecond (1:00 PM entered in a sheet)', () => {
    expect(instantOf(43831 + 13 / 24)).toBe('2020-01-01T13:00:00.000Z');
  });

  it('rejects numbers when serial is false, naming the options that would accept them', () => {
    const result = run(43831, { serial: false });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/serial: true|epoch/);
  });
});

describe('date - daylight saving in America/New_York', () => {
  const zone = { timeZone: 'America/New_York' };
  it.each([
    ['2024-01-15 09:00', '2024-01-15T14:00:00.000Z'], // EST, UTC-5
    ['2024-07-15 09:00', '2024-07-15T13:00:00.000Z'], // EDT, UTC-4
    ['2024-03-10 01:59', '2024-03-10T06:59:00.000Z'], // just before spring forward
    ['2024-03-10 03:00', '2024-03-10T07:00:00.000Z'], // just after spring forward
    ['2024-03-10 02:30', '2024-03-10T07:30:00.000Z'], // in the gap: moves forward to 03:30 EDT
    ['2024-11-03 01:30', '2024-11-03T05:30:00.000Z'], // repeated hour: the earlier (EDT) instant
    ['2024-11-03 02:00', '2024-11-03T07:00:00.000Z'], // after fall back, EST
  ])('%s is %s', (text, expected) => {
    expect(instantOf(text, zone)).toBe(expected);
  });

  it('a serial on the spring-forward day uses the offset in force at that wall time', () => {
    // 2024-03-10 is serial 45361; 12:00 that day is EDT.
    expect(instantOf(45361.5, zone)).toBe('2024-03-10T16:00:00.000Z');
    expect(instantOf(45360.5, zone)).toBe('2024-03-09T17:00:00.000Z');
  });

  it('an instant near midnight UTC gets its New York calendar date', () => {
    expect(valueOf('2024-07-01T02:00:00Z', zone)).toBe('2024-06-30');
    expect(valueOf('2024-07-01T02:00:00Z')).toBe('2024-07-01');
  });
});

describe('date - ISO text', () => {
  it.each([
    ['2024-01-31', '2024-01-31'],
    ['  2024-01-31  ', '2024-01-31'],
    ['2024-01-31T23:59:59', '2024-01-31'],
    ['2024-01-31 13:45', '2024-01-31'],
    ['2024-01-31T23:30:00-05:00', '2024-02-01'],
    ['2024-01-31T00:30:00+01:00', '2024-01-30'],
    ['2024-02-29', '2024-02-29'],
    ['20240131T120000Z', '2024-01-31'],
  ])('%s as a date is %s', (text, expected) => {
    expect(valueOf(text)).toBe(expected);
  });

  it.each([
    ['2024-01-31T13:45:00Z', '2024-01-31T13:45:00.000Z'],
    ['2024-01-31T13:45:00.123+02:00', '2024-01-31T11:45:00.123Z'],
    ['2024-01-31T13:45:00+0530', '2024-01-31T08:15:00.000Z'],
    ['2022-11-08T17:15:13.041000', '2022-11-08T17:15:13.041Z'], // Close event-log timestamps: naive, UTC
    ['2024-01-31', '2024-01-31T00:00:00.000Z'],
  ])('%s as a timestamp is %s', (text, expected) => {
    expect(instantOf(text)).toBe(expected);
  });

  it.each(['2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '2024-04-31', '2024-01-31T24:00', '2024-01-31T12:60'])(
    '%s is an error naming the value and the expected format',
    (text) => {
      const result = run(text);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error).toContain(JSON.stringify(text));
        expect(result.error).toMatch(/Expected/);
      }
    },
  );

  it.each(['garbage', '31/31/2024', 'next tuesday', '2024-1-1x', '12345'])('%s is an error', (text) => {
    const result = run(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(JSON.stringify(text));
  });
});

describe('date - explicit formats', () => {
  it.each([
    ['MM/DD/YYYY', '01/31/2024', '2024-01-31'],
    ['MM/DD/YYYY', '1/5/2024', '2024-01-05'],
    ['DD.MM.YYYY', '31.01.2024', '2024-01-31'],
    ['D/M/YY', '5/1/24', '2024-01-05'],
    ['D/M/YY', '5/1/95', '1995-01-05'],
    ['YYYY-MM-DD HH:mm', '2024-01-31 23:15', '2024-01-31'],
    ['MMM D, YYYY', 'Jan 5, 2024', '2024-01-05'],
    ['MMM D, YYYY', 'sept 5, 2024', '2024-09-05'],
    ['MMMM D, YYYY', 'February 29, 2024', '2024-02-29'],
    ['dddd, MMMM Do YYYY', 'Wednesday, January 31st 2024', '2024-01-31'],
    ['[Week of] YYYY-MM-DD', 'Week of 2024-01-29', '2024-01-29'],
    ['YYYYMMDD', '20240131', '2024-01-31'],
  ])('%s reads %s as %s', (format, text, expected) => {
    expect(valueOf(text, { format })).toBe(expected);
  });

  it('reads times with AM/PM as wall-clock times in the zone', () => {
    expect(instantOf('01/31/2024 1:05 PM', { format: 'MM/DD/YYYY h:mm A', timeZone: 'America/New_York' })).toBe('2024-01-31T18:05:00.000Z');
    expect(instantOf('01/31/2024 12:05 am', { format: 'MM/DD/YYYY h:mm a' })).toBe('2024-01-31T00:05:00.000Z');
  });

  it('tries several formats in order, then ISO', () => {
    const options = { format: ['DD.MM.YYYY', 'MMM D, YYYY'] };
    expect(valueOf('02.01.2024', options)).toBe('2024-01-02');
    expect(valueOf('Jan 2, 2024', options)).toBe('2024-01-02');
    expect(valueOf('2024-01-02', options)).toBe('2024-01-02');
  });

  it('does not fall back to guessing another order when an explicit format is given', () => {
    const result = run('02/13/2024', { format: 'DD/MM/YYYY' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/no month 13/);
    expect(run('Jan 5, 2024', { format: 'DD.MM.YYYY' }).ok).toBe(false);
    expect(valueOf('Jan 5, 2024')).toBe('2024-01-05');
  });

  it('names the expected format when the text does not match or is no real date', () => {
    for (const text of ['2024/01/31x', '30.02.2024']) {
      const result = run(text, { format: 'DD.MM.YYYY' });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error).toContain('"DD.MM.YYYY"');
        expect(result.error).toContain(JSON.stringify(text));
      }
    }
  });

  it('rejects a format without a day, month or year as a configuration problem', () => {
    for (const format of ['YYYY-MM', 'MM/DD', '[unclosed']) {
      const parsed = dateTransformer.optionsSchema?.safeParse({ format });
      expect(parsed?.success).toBe(false);
    }
  });
});

describe('date - common display forms without a format', () => {
  it.each([
    ['1/2/2024', undefined, '2024-01-02'],
    ['1/2/2024', 'en_US', '2024-01-02'],
    ['1/2/2024', 'en-GB', '2024-02-01'],
    ['1/2/2024', 'de_DE', '2024-02-01'],
    ['31.01.2024', undefined, '2024-01-31'],
    ['2024/01/31', undefined, '2024-01-31'],
    ['Jan 31, 2024', undefined, '2024-01-31'],
    ['31 January 2024', undefined, '2024-01-31'],
    ['31-Jan-24', undefined, '2024-01-31'],
    ['1/31/2024 13:45:00', undefined, '2024-01-31'],
  ])('%s with locale %s is %s', (text, locale, expected) => {
    expect(valueOf(text, {}, locale === undefined ? {} : { locale })).toBe(expected);
  });

  it('options.locale overrides context.locale', () => {
    expect(valueOf('1/2/2024', { locale: 'en-US' }, { locale: 'en_GB' })).toBe('2024-01-02');
  });
});

describe('date - Dates and epoch time', () => {
  it('a Date is an instant; its calendar date is taken in the zone', () => {
    const date = new Date('2024-03-01T03:00:00Z');
    expect(valueOf(date)).toBe('2024-03-01');
    expect(valueOf(date, { timeZone: 'America/Los_Angeles' })).toBe('2024-02-29');
    expect(instantOf(date)).toBe(date.toISOString());
  });

  it('an invalid Date is an error', () => {
    expect(run(new Date(Number.NaN)).ok).toBe(false);
  });

  it('reads epoch milliseconds and seconds only when asked', () => {
    const milliseconds = Date.UTC(2024, 0, 31, 12);
    expect(instantOf(milliseconds, { epoch: 'milliseconds' })).toBe('2024-01-31T12:00:00.000Z');
    expect(instantOf(milliseconds / 1000, { epoch: 'seconds' })).toBe('2024-01-31T12:00:00.000Z');
    expect(instantOf(String(milliseconds), { epoch: 'milliseconds' })).toBe('2024-01-31T12:00:00.000Z');
    expect(run(milliseconds).ok).toBe(false); // as a serial this is far past the year 9999
  });
});

describe('date - empty and odd input', () => {
  it.each([null, undefined, '', '   ', '\t\n'])('%j is null', (value) => {
    expect(run(value)).toEqual({ ok: true, value: null });
  });

  it.each([true, {}, [], Number.NaN, Number.POSITIVE_INFINITY, Symbol('x')])('%s is an error, not a throw', (value) => {
    const result = run(value);
    expect(result.ok).toBe(false);
  });

  it('rejects an unknown time zone in options', () => {
    expect(dateTransformer.optionsSchema?.safeParse({ timeZone: 'Mars/Olympus' }).success).toBe(false);
    expect(dateTransformer.optionsSchema?.safeParse({ timeZone: 'Europe/Paris' }).success).toBe(true);
  });

  it('falls back to UTC when the context carries an unknown zone', () => {
    expect(instantOf('2024-01-31 12:00', {}, { timeZone: 'Not/AZone' })).toBe('2024-01-31T12:00:00.000Z');
  });
});

describe('date - junk cells', () => {
  it('rejects overly long text up front', () => {
    const result = run(`2024-01-01${' '.repeat(5_000)}x`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/too long/);
  });
});
