import { describe, expect, it } from 'vitest';
import { listTransformer, type ListTransformerOptions } from './list-transformer.js';

function run(value: unknown, options: ListTransformerOptions = {}) {
  return listTransformer.transform(value, { options, column: 'Tags', field: 'tags' });
}

describe('list', () => {
  it.each([
    ['a, b,,c', {}, ['a', 'b', 'c']],
    [' one ', {}, ['one']],
    ['a; b;c', { separator: ';' }, ['a', 'b', 'c']],
    ['a, b\nc; d', { separator: [',', '\n', ';'] }, ['a', 'b', 'c', 'd']],
    ['a | b', { separator: ' | ' }, ['a', 'b']],
    ['a,b,a', { unique: true }, ['a', 'b']],
    ['a,b,a', {}, ['a', 'b', 'a']],
    [['x', ' y ', 3, true, null, ''], {}, ['x', 'y', '3', 'true']],
    [42, {}, ['42']],
  ] as Array<[unknown, ListTransformerOptions, string[]]>)('%j with %j is %j', (value, options, expected) => {
    expect(run(value, options)).toEqual({ ok: true, value: expected });
  });

  it.each([',', ' , , ', []])('%j has no items and is null', (value) => {
    expect(run(value)).toEqual({ ok: true, value: null });
  });

  it.each([{}, [{}], [[1]], Number.NaN])('%j is an error', (value) => {
    expect(run(value).ok).toBe(false);
  });

  it('rejects an empty separator', () => {
    expect(listTransformer.optionsSchema?.safeParse({ separator: '' }).success).toBe(false);
  });
});
