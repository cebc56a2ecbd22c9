import { describe, expect, it } from 'vitest';
import { stringTransformer, type StringTransformerOptions } from './string-transformer.js';

function run(value: unknown, options: StringTransformerOptions = {}) {
  return stringTransformer.transform(value, { options, column: 'Brand', field: 'brand_name' });
}

describe('string', () => {
  it.each([
    ['  Acme  ', {}, 'Acme'],
    ['  Acme  ', { trim: false }, '  Acme  '],
    ['Acme\n\t Corp', { collapseWhitespace: true }, 'Acme Corp'],
    ['Acme\u00a0\u00a0Corp', { collapseWhitespace: true }, 'Acme Corp'],
    ['ACME Corp', { case: 'lower' }, 'acme corp'],
    ['acme corp', { case: 'upper' }, 'ACME CORP'],
    ['ACME corp-west (north)', { case: 'title' }, 'Acme Corp-West (North)'],
    ['élan vital', { case: 'title' }, 'Élan Vital'],
    [12, {}, '12'],
    [1.5, {}, '1.5'],
    [true, {}, 'true'],
    [false, {}, 'false'],
    [10n, {}, '10'],
    [new Date('2024-01-31T12:00:00Z'), {}, '2024-01-31T12:00:00.000Z'],
  ] as Array<[unknown, StringTransformerOptions, string]>)('%s with %j is %j', (value, options, expected) => {
    expect(run(value, options)).toEqual({ ok: true, value: expected });
  });

  it('text longer than maxLength is a warning by default, so only the field is dropped', () => {
    const result = run('abcdef', { maxLength: 5 });
    expect(result).toMatchObject({ ok: false, severity: 'warning' });
    if (!result.ok) expect(result.error).toContain('"abcdef"');
  });

  it("onTooLong: 'error' rejects the row and 'truncate' cuts by characters, never inside an emoji", () => {
    expect(run('abcdef', { maxLength: 5, onTooLong: 'error' })).toMatchObject({ ok: false, severity: 'error' });
    expect(run('ab😀cd', { maxLength: 3, onTooLong: 'truncate' })).toEqual({ ok: true, value: 'ab😀' });
    expect(run('ab😀', { maxLength: 3 })).toEqual({ ok: true, value: 'ab😀' });
  });

  it('measures length after trimming and collapsing', () => {
    expect(run('  a   b  ', { maxLength: 3, collapseWhitespace: true })).toEqual({ ok: true, value: 'a b' });
  });

  it.each([{}, [], Number.NaN, Number.POSITIVE_INFINITY, new Date(Number.NaN), Symbol('s')])('%s is an error', (value) => {
    expect(run(value).ok).toBe(false);
  });

  it.each([null, undefined, '', '   '])('%j is null, even without trimming', (value) => {
    expect(run(value, { trim: false })).toEqual({ ok: true, value: null });
  });

  it('rejects a non-positive maxLength and unknown options', () => {
    expect(stringTransformer.optionsSchema?.safeParse({ maxLength: 0 }).success).toBe(false);
    expect(stringTransformer.optionsSchema?.safeParse({ lowercase: true }).success).toBe(false);
  });
});
