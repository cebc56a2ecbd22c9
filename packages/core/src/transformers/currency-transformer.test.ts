import { describe, expect, it } from 'vitest';
import type { TransformContext } from '../transformer.js';
import { currencyFractionDigits, currencyTransformer, type CurrencyTransformerOptions } from './currency-transformer.js';

function run(value: unknown, options: CurrencyTransformerOptions = {}, extra: Partial<TransformContext> = {}) {
  return currencyTransformer.transform(value, { options, column: 'Revenue', field: 'revenue', ...extra });
}

function amountOf(value: unknown, options: CurrencyTransformerOptions = {}, extra: Partial<TransformContext> = {}) {
  const result = run(value, options, extra);
  if (!result.ok) throw new Error(`expected ok for ${String(value)}, got ${result.error}`);
  return result.value;
}

describe('currency - text in major units', () => {
  it.each([
    ['$1,234.56', 1234.56],
    ['1.234,56 €', 1234.56],
    ['€89', 89],
    ['(1,234.56)', -1234.56],
    ['($1,234.56)', -1234.56],
    ['$(1,234.56)', -1234.56],
    ['-$5.00', -5],
    ['$-5.00', -5],
    ['\u2212$5.00', -5],
    ['5.00-', -5],
    ['+$5', 5],
    ['USD 10', 10],
    ['10 usd', 10],
    ['EUR 1.234,56', 1234.56],
    ['1 234,56', 1234.56],
    ["CHF 1'234.50", 1234.5],
    ['US$ 12', 12],
    ['R$ 1.234,56', 1234.56],
    ['£0.99', 0.99],
    ['¥1,000', 1000],
    ['1,234', 1234], // ambiguous: read as en-US
    ['1.234', 1.234], // ambiguous: read as en-US
    ['1,5', 1.5],
    ['1,234,567', 1234567],
    ['1.234.567', 1234567],
    ['.5', 0.5],
    ['0,123', 0.123],
    ['1,23,456.50', 123456.5], // Indian grouping
    ['$0.00', 0],
    ['-0', 0],
  ])('%s is %s', (text, expected) => {
    expect(amountOf(text)).toBe(expected);
  });

  it('reads -0 as 0, not -0', () => {
    expect(Object.is(amountOf('-$0.00'), 0)).toBe(true);
  });

  it.each([
    ['1 234,56', 'fr', 1234.56],
    ['1\u202f234,56\u00a0€', 'fr-FR', 1234.56],
    ['1.234,56', 'de-DE', 1234.56],
    ['1,234', 'de-DE', 1.234],
    ['1,234.56', 'en_US', 1234.56],
    ["1'234.56", 'de-CH', 1234.56],
  ])('%s with locale %s is %s', (text, locale, expected) => {
    expect(amountOf(text, { locale })).toBe(expected);
    expect(amountOf(text, {}, { locale })).toBe(expected);
  });

  it.each([
    ['1.234,56', 'en-US'],
    ['1.5', 'de-DE'],
    ['1,2,3', 'en-US'],
  ])('%s does not fit locale %s and is an error instead of a wrong number', (text, locale) => {
    const result = run(text, { locale });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(locale);
  });

  it.each(['abc', '$', '--5', '$5€', '12 apples', '1.2.3,4,5', '(5', '5)', '1e', '$ $ 5'])('%s is an error naming the value', (text) => {
    const result = run(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(JSON.stringify(text));
  });
});

describe('currency - minor units', () => {
  it.each([
    ['19.99', 'USD', 1999],
    ['$1,234.56', undefined, 123456],
    ['0.1', undefined, 10],
    ['1.005', 'USD', 101], // half away from zero, decided on the text, not on 100.49999...
    ['-1.005', 'USD', -101],
    ['¥1,000', undefined, 1000], // yen have no minor unit
    ['1000', 'JPY', 1000],
    ['1.2345', 'BHD', 1235], // three minor digits
    ['(0.01)', 'USD', -1],
  ])('%s in %s is %s minor units', (text, currency, expected) => {
    expect(amountOf(text, { unit: 'minor', ...(currency && { currency }) })).toBe(expected);
  });

  it.each([
    [19.99, 1999],
    [0.07, 7],
    [1.15, 115],
    [4.35, 435],
    [-2.675, -268],
    [1e-7, 0],
    [123456789.12, 12345678912],
  ])('the number %s is %s cents, exactly', (number, expected) => {
    expect(amountOf(number, { unit: 'minor' })).toBe(expected);
  });

  it('refuses minor units it cannot count exactly', () => {
    expect(run(1e300, { unit: 'minor' }).ok).toBe(false);
  });
});

describe('currency - expected currency', () => {
  it('accepts the expected code or a symbol that stands for it', () => {
    expect(amountOf('€5', { currency: 'EUR' })).toBe(5);
    expect(amountOf('5 eur', { currency: 'eur' })).toBe(5);
    expect(amountOf('$5', { currency: 'CAD' })).toBe(5);
    expect(amountOf('5', { currency: 'USD' })).toBe(5);
  });

  it.each([
    ['£5', 'USD'],
    ['EUR 5', 'USD'],
    ['$5', 'EUR'],
  ])('%s is an error when the column expects %s', (text, currency) => {
    const result = run(text, { currency });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(currency);
  });

  it('rejects an unknown code in options', () => {
    expect(currencyTransformer.optionsSchema?.safeParse({ currency: 'XYZQ' }).success).toBe(false);
    expect(currencyTransformer.optionsSchema?.safeParse({ currency: 'usd' }).success).toBe(true);
  });

  it('knows minor digits per currency', () => {
    expect([currencyFractionDigits('USD'), currencyFractionDigits('JPY'), currencyFractionDigits('BHD')]).toEqual([2, 0, 3]);
  });
});

describe('currency - numbers and odd input', () => {
  it.each([1234.56, -5, 0, 1e21])('the number %s passes through in major units', (number) => {
    expect(amountOf(number)).toBe(number);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, true, {}, [], new Date(0)])('%s is an error', (value) => {
    expect(run(value).ok).toBe(false);
  });

  it.each([null, undefined, '', '  '])('%j is null', (value) => {
    expect(run(value)).toEqual({ ok: true, value: null });
  });
});

describe('currency - more input forms', () => {
  it('accepts a symbol and a code that agree, and rejects two currencies', () => {
    expect(amountOf('$1,234.56 USD')).toBe(1234.56);
    expect(amountOf('$5 CAD', { currency: 'CAD' })).toBe(5);
    const result = run('$5 EUR');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('two currencies');
  });

  it.each([
    [25000, {}, 250],
    [25000, { unit: 'minor' }, 25000],
    [1999, { unit: 'major' }, 19.99],
    [1000, { currency: 'JPY' }, 1000],
    [1234, { currency: 'BHD' }, 1.234],
  ] as Array<[number, CurrencyTransformerOptions, number]>)('with inputUnit minor, the number %s with %j is %s', (number, options, expected) => {
    expect(amountOf(number, { inputUnit: 'minor', ...options })).toBe(expected);
  });

  it('reads text as written even with inputUnit minor', () => {
    expect(amountOf('$250', { inputUnit: 'minor', unit: 'minor' })).toBe(25000);
  });
});

describe('currency - junk cells', () => {
  // Regression: an exponent pattern with \d+\.?\d* backtracked quadratically on long digit runs.
  it('rejects overly long text up front', () => {
    const result = run(`${'1'.repeat(20_000)}x`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/too long/);
  });

  it('still reads long but plausible amounts', () => {
    expect(amountOf(`$${'9'.repeat(15)}.99`)).toBe(999999999999999.99);
  });
});
