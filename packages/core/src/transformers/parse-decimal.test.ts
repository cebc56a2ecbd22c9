import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeLocale, numberToDecimal, parseDecimalText, roundDecimalToInteger, separatorsForLocale, shiftDecimal } from './parse-decimal.js';

describe('parse-decimal', () => {
  it.each([
    ['1,234.56', undefined, '1234.56'],
    ['1.234,56', undefined, '1234.56'],
    ['001.500', undefined, '1.5'],
    ['1 234 567', undefined, '1234567'],
    ['1,5', { decimal: ',', group: '.' }, '1.5'],
    ['1e-7', undefined, '0.0000001'],
  ] as const)('%s with %j is %s', (text, separators, expected) => {
    expect(parseDecimalText(text, separators)).toEqual({ ok: true, decimal: expected });
  });

  it('plain digits with at most one inner dot: leading zeros of the integer and trailing zeros of the fraction dropped, with or without en-US separators', () => {
    const digits = fc.stringMatching(/^\d{1,25}$/);
    fc.assert(
      fc.property(digits, fc.option(digits, { nil: undefined }), (integer, fraction) => {
        const kept = fraction?.replace(/0+$/, '') ?? '';
        const expected = `${BigInt(integer)}${kept === '' ? '' : `.${kept}`}`;
        const text = fraction === undefined ? integer : `${integer}.${fraction}`;
        expect(parseDecimalText(text)).toEqual({ ok: true, decimal: expected });
        expect(parseDecimalText(` ${text} `, { decimal: '.', group: ',' })).toEqual({ ok: true, decimal: expected });
      }),
    );
  });

  it.each([
    ['1.234', '1234'],
    ['1.234.567', '1234567'],
    ['0,50', '0.5'],
  ])('%s under de-DE separators is %s (a dot groups there)', (text, expected) => {
    expect(parseDecimalText(text, { decimal: ',', group: '.' })).toEqual({ ok: true, decimal: expected });
  });

  it.each(['', 'abc', '1..2', '12,34,5', '1,2345,678'])('%j is no decimal', (text) => {
    expect(parseDecimalText(text).ok).toBe(false);
  });

  it.each([
    ['en_US', 'en-US'],
    ['de-de', 'de-DE'],
    ['  fr ', 'fr'],
    ['not a locale!', undefined],
    [42, undefined],
  ])('normalizeLocale(%j) is %j', (input, expected) => {
    expect(normalizeLocale(input)).toBe(expected);
  });

  it('reads separators from Intl', () => {
    expect(separatorsForLocale('de-DE')).toEqual({ decimal: ',', group: '.' });
    expect(separatorsForLocale('en-US')).toEqual({ decimal: '.', group: ',' });
  });

  it.each([
    ['19.99', 2, '1999'],
    ['0.5', -2, '0.005'],
    ['-1.2', 3, '-1200'],
    ['123', -5, '0.00123'],
    ['0', 4, '0'],
  ])('shiftDecimal(%s, %s) is %s', (decimal, places, expected) => {
    expect(shiftDecimal(decimal, places)).toBe(expected);
  });

  it.each([
    ['2.5', 3],
    ['-2.5', -3],
    ['2.49', 2],
    ['-0.4', 0],
    ['9007199254740993', undefined],
  ])('roundDecimalToInteger(%s) is %s', (decimal, expected) => {
    expect(roundDecimalToInteger(decimal)).toBe(expected);
  });

  it('numberToDecimal is exact: Number() of it is the number again, with no exponent', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (number) => {
        const decimal = numberToDecimal(number);
        expect(decimal).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Number(decimal)).toBe(number === 0 ? 0 : number);
      }),
    );
  });

  it('shifting by n and back by -n gives the same decimal', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -30, max: 30 }), (number, places) => {
        const decimal = numberToDecimal(number);
        expect(shiftDecimal(shiftDecimal(decimal, places), -places)).toBe(decimal);
      }),
    );
  });
});
