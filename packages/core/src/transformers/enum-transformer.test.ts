import { describe, expect, it } from 'vitest';
import { enumTransformer, valueMapTransformer, type EnumTransformerOptions } from './enum-transformer.js';

const map = { Active: 'active', 'On hold': 'paused', Churned: 'churned', '1': 'tier_one', None: null };

function run(value: unknown, options: Partial<EnumTransformerOptions> = {}) {
  return enumTransformer.transform(value, { options: { map, ...options } as EnumTransformerOptions, column: 'Status', field: 'status' });
}

describe('enum', () => {
  it.each([
    ['Active', 'active'],
    ['active', 'active'],
    ['  ON HOLD ', 'paused'],
    ['None', null],
    [1, 'tier_one'],
  ])('%j maps to %j', (value, expected) => {
    expect(run(value)).toEqual({ ok: true, value: expected });
  });

  it('caseInsensitive: false matches case exactly but still trims', () => {
    expect(run(' Active ', { caseInsensitive: false })).toEqual({ ok: true, value: 'active' });
    expect(run('active', { caseInsensitive: false }).ok).toBe(false);
  });

  it('an unmapped value is an error listing the allowed values', () => {
    const result = run('Paused');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain('"Paused"');
      for (const key of Object.keys(map)) expect(result.error).toContain(JSON.stringify(key));
    }
  });

  it('default applies to unmapped values, including a null default', () => {
    expect(run('Paused', { default: 'other' })).toEqual({ ok: true, value: 'other' });
    expect(run('Paused', { default: null })).toEqual({ ok: true, value: null });
  });

  it('strict: false passes unmapped text through trimmed', () => {
    expect(run('  Paused ', { strict: false })).toEqual({ ok: true, value: 'Paused' });
  });

  it('maps to non-text values', () => {
    const result = enumTransformer.transform('gold', { options: { map: { Gold: 3, Silver: 2 } }, column: 'Tier', field: 'tier' });
    expect(result).toEqual({ ok: true, value: 3 });
  });

  it('is also registered as valueMap with the same behaviour', () => {
    const result = valueMapTransformer.transform('on hold', { options: { map }, column: 'Status', field: 'status' });
    expect(valueMapTransformer.name).toBe('valueMap');
    expect(result).toEqual({ ok: true, value: 'paused' });
  });

  it('rejects keys that collide when compared ignoring case, and a missing map', () => {
    expect(enumTransformer.optionsSchema?.safeParse({ map: { Yes: 1, yes: 2 } }).success).toBe(false);
    expect(enumTransformer.optionsSchema?.safeParse({ map: { Yes: 1, yes: 2 }, caseInsensitive: false }).success).toBe(true);
    expect(enumTransformer.optionsSchema?.safeParse({}).success).toBe(false);
  });

  it('a transform with invalid options is an error result, not a throw', () => {
    const result = enumTransformer.transform('x', { options: {} as EnumTransformerOptions, column: 'Status', field: 'status' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('map');
  });

  it.each([{}, [], Symbol('s')])('%s is an error', (value) => {
    expect(run(value).ok).toBe(false);
  });

  it.each([null, undefined, ''])('%j is null', (value) => {
    expect(run(value)).toEqual({ ok: true, value: null });
  });
});
