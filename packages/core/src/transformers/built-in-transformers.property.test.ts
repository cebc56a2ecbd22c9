import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TransformResult } from '../transformer.js';
import { currencyTransformer } from './currency-transformer.js';
import { dateTransformer } from './date-transformer.js';
import { numberTransformer } from './number-transformer.js';
import { builtInTransformers, runTransformer } from './registry.js';

/** Options that make each built-in do real work; `{}` runs too where the schema allows it. */
const optionSets: Record<string, ReadonlyArray<Record<string, unknown>>> = {
  date: [{}, { output: 'timestamp', timeZone: 'America/New_York' }, { format: ['DD.MM.YYYY', 'MMM D, YYYY h:mm A'] }, { epoch: 'seconds', output: 'timestamp' }],
  currency: [{}, { unit: 'minor' }, { locale: 'de-DE', currency: 'EUR', unit: 'minor' }],
  boolean: [{}, { trueValues: ['ja'], empty: false }],
  number: [{}, { locale: 'fr-FR', percent: true, integer: true, min: 0, max: 10 }],
  string: [{}, { case: 'title', collapseWhitespace: true, maxLength: 5 }, { trim: false, maxLength: 3, onTooLong: 'truncate' }],
  email: [{}, { keepLocalPartCase: true }],
  enum: [{ map: { a: 1, B: 'b' } }, { map: { a: 1 }, default: null }, { map: {}, strict: false }],
  valueMap: [{ map: { a: 1, B: 'b' } }],
  list: [{}, { separator: [';', '\n'], unique: true }],
};

const rawValue = fc.oneof(
  fc.anything({ withDate: true, withBigInt: true, withNullPrototype: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }),
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', ' ', '1,234.56', '(1,234.56)', '1.234,56 €', '12.5%', 'yes', '✔️', '2024-02-30', '2024-03-10 02:30', 'Jan 5, 2024', 'a@b.co', 'a, b,,c', '-', '()', '$', '%', '.', ','),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER + 2),
  fc.date(),
  fc.date({ noInvalidDate: false }),
  fc.integer({ min: -1_000_000, max: 3_000_000 }).map((serial) => serial / 8),
);

function isWellFormed(result: TransformResult): boolean {
  if (result.ok) {
    if (typeof result.value === 'number') return Number.isFinite(result.value);
    if (result.value instanceof Date) return !Number.isNaN(result.value.getTime());
    return result.value !== undefined;
  }
  return typeof result.error === 'string' && result.error.trim().length > 0 && (result.severity === undefined || result.severity === 'error' || result.severity === 'warning');
}

describe('every built-in transformer', () => {
  for (const transformer of builtInTransformers) {
    const sets = optionSets[transformer.name];
    it(`${transformer.name} - has options to fuzz with`, () => {
      expect(sets?.length ?? 0).toBeGreaterThan(0);
    });
    for (const options of sets ?? []) {
      it(`${transformer.name} ${JSON.stringify(options)} - never throws and returns { ok, value } or { ok: false, error }`, () => {
        fc.assert(
          fc.property(rawValue, fc.option(fc.constantFrom('UTC', 'Europe/Berlin', 'Not/AZone')), fc.option(fc.constantFrom('en_US', 'de-DE', 'fr', 'xx-invalid_!!')), (value, timeZone, locale) => {
            const context = { options, column: 'C', field: 'f', ...(timeZone !== null && { timeZone }), ...(locale !== null && { locale }) };
            let direct: TransformResult | undefined;
            expect(() => {
              direct = transformer.transform(value, context);
            }).not.toThrow();
            expect(direct && isWellFormed(direct)).toBe(true);
            // runTransformer must not change a well-formed result.
            expect(runTransformer(transformer, value, context)).toEqual(direct);
          }),
          { numRuns: 300 },
        );
      });
    }
    it(`${transformer.name} - empty input is null`, () => {
      const options = sets?.[0] ?? {};
      fc.assert(
        fc.property(fc.constantFrom(null, undefined, ''), fc.stringMatching(/^[ \t\r\n]*$/), (empty, blank) => {
          expect(transformer.transform(empty, { options, column: 'C', field: 'f' })).toEqual({ ok: true, value: null });
          expect(transformer.transform(blank, { options, column: 'C', field: 'f' })).toEqual({ ok: true, value: null });
        }),
      );
    });
  }
});

const money = fc.integer({ min: -99_999_999_999, max: 99_999_999_999 });
const enUs = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

describe('round trips', () => {
  it('currency - a random en-US dollar amount formatted and parsed gives the number back, and its cents', () => {
    fc.assert(
      fc.property(money, (cents) => {
        const text = enUs.format(cents / 100);
        const major = currencyTransformer.transform(text, { options: {}, column: 'C', field: 'f' });
        const minor = currencyTransformer.transform(text, { options: { unit: 'minor', currency: 'USD' }, column: 'C', field: 'f' });
        expect(major).toEqual({ ok: true, value: cents / 100 === 0 ? 0 : cents / 100 });
        expect(minor).toEqual({ ok: true, value: cents === 0 ? 0 : cents });
      }),
    );
  });

  it('currency - amounts formatted in any of several locales parse back with that locale', () => {
    fc.assert(
      fc.property(money, fc.constantFrom('en-US', 'de-DE', 'fr-FR', 'de-CH', 'en-IN', 'es-ES', 'pt-BR'), fc.constantFrom('USD', 'EUR', 'CHF', 'BRL'), (cents, locale, currency) => {
        const text = new Intl.NumberFormat(locale, { style: 'currency', currency, currencySign: 'accounting' }).format(cents / 100);
        const result = currencyTransformer.transform(text, { options: { locale, unit: 'minor' }, column: 'C', field: 'f' });
        expect(result).toEqual({ ok: true, value: cents === 0 ? 0 : cents });
      }),
    );
  });

  it('currency - minor units are always integers, for any finite number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), (number) => {
        const result = currencyTransformer.transform(number, { options: { unit: 'minor' }, column: 'C', field: 'f' });
        expect(result.ok && Number.isSafeInteger(result.value)).toBe(true);
        if (result.ok) expect(Math.abs((result.value as number) - number * 100)).toBeLessThanOrEqual(0.5 + Math.abs(number) * 1e-12);
      }),
    );
  });

  it('number - numbers formatted in a locale parse back with that locale', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 4 }), fc.constantFrom('en-US', 'de-DE', 'fr-FR', 'de-CH', 'en-IN', 'it-IT'), (scaled, digits, locale) => {
        const number = scaled / 10 ** digits;
        const text = new Intl.NumberFormat(locale, { maximumFractionDigits: 20 }).format(number);
        expect(numberTransformer.transform(text, { options: { locale }, column: 'C', field: 'f' })).toEqual({ ok: true, value: number === 0 ? 0 : number });
      }),
    );
  });

  it('number - String(number) parses back to the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (number) => {
        expect(numberTransformer.transform(String(number), { options: {}, column: 'C', field: 'f' })).toEqual({ ok: true, value: number === 0 ? 0 : number });
      }),
    );
  });

  it('date - an ISO calendar date comes back unchanged, and as a timestamp it is midnight in the zone', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }), fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'), (date, timeZone) => {
        const text = date.toISOString().slice(0, 10);
        expect(dateTransformer.transform(text, { options: { timeZone }, column: 'C', field: 'f' })).toEqual({ ok: true, value: text });
        const instant = dateTransformer.transform(text, { options: { timeZone, output: 'timestamp' }, column: 'C', field: 'f' });
        expect(instant.ok && instant.value instanceof Date).toBe(true);
        if (instant.ok && instant.value instanceof Date) {
          expect(dateTransformer.transform(instant.value, { options: { timeZone }, column: 'C', field: 'f' })).toEqual({ ok: true, value: text });
        }
      }),
    );
  });

  it('date - an instant written with Z reads back as the same instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
        expect(dateTransformer.transform(date.toISOString(), { options: { output: 'timestamp' }, column: 'C', field: 'f' })).toEqual({ ok: true, value: date });
      }),
    );
  });

  it('date - a serial number and its epoch milliseconds agree (epoch ms = (serial - 25569) * 86400000 in UTC)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_900_000 }), fc.integer({ min: 0, max: 86_399 }), (day, second) => {
        const serial = day + second / 86_400;
        const result = dateTransformer.transform(serial, { options: { output: 'timestamp' }, column: 'C', field: 'f' });
        const expected = Math.round((serial - 25_569) * 86_400_000);
        expect(result.ok && result.value instanceof Date && result.value.getTime()).toBe(expected);
      }),
    );
  });
});
