import { describe, expect, it } from 'vitest';
import type { TransformContext } from '../transformer.js';
import { numberTransformer, type NumberTransformerOptions } from './number-transformer.js';

function run(value: unknown, options: NumberTransformerOptions = {}, extra: Partial<TransformContext> = {}) {
  return numberTransformer.transform(value, { options, column: 'Units', field: 'units', ...extra });
}

function numberOf(value: unknown, options: NumberTransformerOptions = {}, extra: Partial<TransformContext> = {}) {
  const result = run(value, options, extra);
  if (!result.ok) throw new Error(`expected ok for ${String(value)}, got ${result.error}`);
  return result.value;
}

describe('number', () => {
  it.each([
    ['1,234.5', {}, 1234.5],
    ['1.234,5', { locale: 'de-DE' }, 1234.5],
    ['1 234,5', { locale: 'fr-FR' }, 1234.5],
    ['-3', {}, -3],
    ['+3', {}, 3],
    ['(12)', {}, -12],
    ['12.5%', {}, 0.125],
    ['12,5 %', { locale: 'de-DE' }, 0.125],
    ['-7%', {}, -0.07],
    ['7', { percent: true }, 0.07],
    ['0.1', { percent: true }, 0.001],
    ['7%', { percent: true }, 0.07], // divided once, not twice
    ['1.5e3', {}, 1500],
    ['  42  ', {}, 42],
    ['0007', {}, 7],
  ] as Array<[string, NumberTransformerOptions, number]>)('%s with %j is %s', (text, options, expected) => {
    expect(numberOf(text, options)).toBe(expected);
  });

  it('takes the locale from the context when options have none', () => {
    expect(numberOf('1.234,5', {}, { locale: 'de_DE' })).toBe(1234.5);
    expect(numberOf('1.234,5', { locale: 'de-DE' }, { locale: 'en_US' })).toBe(1234.5);
  });

  it.each([42, -0.5, 0.125, 1e21])('the number %s passes through', (number) => {
    expect(numberOf(number)).toBe(number);
  });

  it('divides numbers by 100 with percent, exactly', () => {
    expect(numberOf(12.5, { percent: true })).toBe(0.125);
    expect(numberOf(7, { percent: true })).toBe(0.07);
  });

  it.each([
    ['2.5', { integer: true }, /whole number/],
    ['-1', { min: 0 }, /minimum 0/],
    ['101', { max: 100 }, /maximum 100/],
    ['150%', { max: 1 }, /maximum 1/],
    ['abc', {}, /Cannot read/],
    ['1.234,5', { locale: 'en-US' }, /en-US/],
    ['1,5', { locale: 'en-US' }, /groups of three/],
    ['--1', {}, /Cannot read/],
    ['(-1)', {}, /more than one sign/],
    ['12 kg', {}, /Cannot read/],
  ] as Array<[string, NumberTransformerOptions, RegExp]>)('%s with %j is an error matching %s', (text, options, pattern) => {
    const result = run(text, options);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(pattern);
      expect(result.error).toContain(JSON.stringify(text));
    }
  });

  it('accepts values on the min and max bounds', () => {
    expect(numberOf('0', { min: 0, max: 10 })).toBe(0);
    expect(numberOf('10', { min: 0, max: 10 })).toBe(10);
    expect(numberOf(3, { integer: true })).toBe(3);
  });

  it('rejects min above max as a configuration problem', () => {
    expect(numberTransformer.optionsSchema?.safeParse({ min: 5, max: 1 }).success).toBe(false);
  });

  it.each([Number.NaN, Number.NEGATIVE_INFINITY, true, {}, new Date(0)])('%s is an error', (value) => {
    expect(run(value).ok).toBe(false);
  });

  it.each([null, undefined, '', ' '])('%j is null', (value) => {
    expect(run(value)).toEqual({ ok: true, value: null });
  });
});

describe('number - junk cells', () => {
  it('rejects overly long text up front and reads numbers of ordinary length', () => {
    const result = run(`${'1'.repeat(20_000)}x`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/too long/);
    expect(numberOf(`0.${'1'.repeat(300)}`)).toBe(0.1111111111111111);
  });
});
