import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTransformer } from './define-transformer.js';

describe('defineTransformer', () => {
  it('gives null for empty input without calling transform', () => {
    let calls = 0;
    const transformer = defineTransformer({
      name: 'counted',
      transform: () => {
        calls += 1;
        return { ok: true, value: 'x' };
      },
    });
    for (const value of [null, undefined, '', ' \n']) expect(transformer.transform(value, { options: {}, column: 'c', field: 'f' })).toEqual({ ok: true, value: null });
    expect(calls).toBe(0);
    expect(transformer.transform('a', { options: {}, column: 'c', field: 'f' })).toEqual({ ok: true, value: 'x' });
    expect(calls).toBe(1);
  });

  it('validates options once per options object and hands transform the parsed options', () => {
    let parses = 0;
    const schema = z.strictObject({ suffix: z.string().default('!') }).transform((options) => {
      parses += 1;
      return options;
    });
    const transformer = defineTransformer({ name: 'suffix', optionsSchema: schema, transform: (value, { options }) => ({ ok: true, value: `${String(value)}${options.suffix}` }) });
    const options = {};
    expect(transformer.transform('a', { options: options as never, column: 'c', field: 'f' })).toEqual({ ok: true, value: 'a!' });
    expect(transformer.transform('b', { options: options as never, column: 'c', field: 'f' })).toEqual({ ok: true, value: 'b!' });
    expect(parses).toBe(1);
  });

  it('reports invalid options as an error result naming the bad path', () => {
    const transformer = defineTransformer({ name: 'strict', optionsSchema: z.strictObject({ size: z.number() }), transform: () => ({ ok: true, value: 1 }) });
    const result = transformer.transform('a', { options: { size: 'big' } as never, column: 'c', field: 'f' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('size');
  });

  it('turns an exception inside transform into an error result', () => {
    const transformer = defineTransformer({
      name: 'buggy',
      transform: () => {
        throw new TypeError('cannot read x of undefined');
      },
    });
    const result = transformer.transform('a', { options: {}, column: 'c', field: 'f' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('cannot read x of undefined');
  });

  it('copes with a missing context', () => {
    const transformer = defineTransformer({ name: 'plain', transform: (value) => ({ ok: true, value: String(value) }) });
    expect(transformer.transform('a', undefined as never)).toEqual({ ok: true, value: 'a' });
  });
});
