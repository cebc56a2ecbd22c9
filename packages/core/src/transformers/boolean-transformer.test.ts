import { describe, expect, it } from 'vitest';
import { booleanTransformer, DEFAULT_FALSE_VALUES, DEFAULT_TRUE_VALUES, type BooleanTransformerOptions } from './boolean-transformer.js';

function run(value: unknown, options: BooleanTransformerOptions = {}) {
  return booleanTransformer.transform(value, { options, column: 'Active', field: 'is_active' });
}

describe('boolean', () => {
  it.each([
    ['yes', true],
    ['YES', true],
    [' Yes ', true],
    ['y', true],
    ['true', true],
    ['TRUE', true], // Sheets FORMATTED_VALUE of a checkbox
    ['1', true],
    ['x', true],
    ['X', true],
    ['on', true],
    ['checked', true],
    ['✓', true],
    ['✔', true],
    ['✔️', true], // with the emoji variation selector
    ['☑', true],
    ['✅', true],
    ['no', false],
    ['N', false],
    ['False', false],
    ['0', false],
    ['off', false],
    ['unchecked', false],
    ['✗', false],
    ['✘', false],
    ['☐', false],
    [true, true],
    [false, false],
    [1, true],
    [0, false],
  ])('%j is %s', (value, expected) => {
    expect(run(value)).toEqual({ ok: true, value: expected });
  });

  it.each(['maybe', 'yess', '2', '-1', 'null'])('%j is an error listing the accepted words', (value) => {
    const result = run(value);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain(JSON.stringify(value));
      expect(result.error).toContain('"yes"');
      expect(result.error).toContain('"no"');
    }
  });

  it.each([2, 0.5, Number.NaN, {}, [], new Date(0)])('%s is an error', (value) => {
    expect(run(value).ok).toBe(false);
  });

  it('trueValues and falseValues extend the defaults', () => {
    const options = { trueValues: ['Ja'], falseValues: ['nein'] };
    expect(run('ja', options)).toEqual({ ok: true, value: true });
    expect(run('NEIN', options)).toEqual({ ok: true, value: false });
    expect(run('yes', options)).toEqual({ ok: true, value: true });
    const result = run('maybe', options);
    expect(!result.ok && result.error.includes('"ja"')).toBe(true);
  });

  it('a custom word takes precedence over a default of the other polarity', () => {
    expect(run('x', { falseValues: ['x'] })).toEqual({ ok: true, value: false });
  });

  it('replaceDefaults keeps only the given words', () => {
    const options = { trueValues: ['active'], falseValues: ['churned'], replaceDefaults: true };
    expect(run('Active', options)).toEqual({ ok: true, value: true });
    expect(run('churned', options)).toEqual({ ok: true, value: false });
    expect(run('yes', options).ok).toBe(false);
  });

  it('empty is null unless empty: false is asked for', () => {
    for (const value of [null, undefined, '', '  ']) {
      expect(run(value)).toEqual({ ok: true, value: null });
      expect(run(value, { empty: false })).toEqual({ ok: true, value: false });
    }
  });

  it('lists the defaults it documents', () => {
    for (const word of DEFAULT_TRUE_VALUES) expect(run(word)).toEqual({ ok: true, value: true });
    for (const word of DEFAULT_FALSE_VALUES) expect(run(word)).toEqual({ ok: true, value: false });
  });

  it('rejects blank words in options', () => {
    expect(booleanTransformer.optionsSchema?.safeParse({ trueValues: [' '] }).success).toBe(false);
  });
});
