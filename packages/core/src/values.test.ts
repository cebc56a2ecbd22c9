import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalValue, sameValue, toJsonValue } from './values.js';

describe('values', () => {
  it.each([
    ['1', 1],
    [' Acme ', 'Acme'],
    ['', null],
    ['  ', undefined],
    [1.5, '1.50'],
    ['2024-01-02T00:00:00Z', new Date('2024-01-02T00:00:00Z')],
    ['2024-01-02T01:00:00+01:00', new Date('2024-01-02T00:00:00Z')],
    ['TRUE', true],
    [1.5, ' 1.50 '],
    [['a', 'b'], ['a', 'b']],
    [{ b: 1, a: 'x' }, { a: ' x', b: 1 }],
  ])('sameValue - %j equals %j', (a, b) => {
    expect(sameValue(a, b)).toBe(true);
  });

  it.each([
    ['1', 2],
    ['Acme', 'acme'],
    ['2024-01-02', '2024-01-03'],
    [false, null],
    [0, null],
    [['a', 'b'], ['b', 'a']],
    // Regression: numeric-looking text was compared as numbers, so edits of zip codes and phone numbers were lost.
    ['01234', '1234'],
    ['+15551234567', '15551234567'],
    ['12345678901234567890', '12345678901234567891'],
    ['1.50', '1.5'],
    ['yes', true],
  ])('sameValue - %j differs from %j', (a, b) => {
    expect(sameValue(a, b)).toBe(false);
  });

  // Regression: the numeric pattern backtracked quadratically on long digit runs; with the old
  // pattern this cell takes minutes and the test hits its timeout, with the fix it is instant.
  it('canonicalValue - a long run of digits that is not a number is plain text', () => {
    const junk = `${'1'.repeat(200_000)}x`;
    expect(canonicalValue(junk)).toBe(`s:${junk}`);
  });

  it('toJsonValue - turns any field value into JSON that round-trips through JSON.stringify', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.date(), fc.double(), fc.constant(undefined)), (value) => {
        const json = toJsonValue(value);
        expect(JSON.parse(JSON.stringify(json))).toEqual(json);
      }),
    );
  });
});
