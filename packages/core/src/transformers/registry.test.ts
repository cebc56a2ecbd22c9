import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigurationError, FieldsyncError } from '../errors.js';
import type { Transformer } from '../transformer.js';
import { dateTransformer } from './date-transformer.js';
import { builtInTransformers, createTransformerRegistry, parseTransformOptions, runTransformer } from './registry.js';

const context = { options: {}, column: 'Brand', field: 'brand_name' };

describe('createTransformerRegistry', () => {
  it('knows every built-in by name', () => {
    const registry = createTransformerRegistry();
    for (const transformer of builtInTransformers) {
      expect(registry.has(transformer.name)).toBe(true);
      expect(registry.get(transformer.name)).toBe(transformer);
      expect(registry.resolve(transformer.name)).toBe(transformer);
    }
    expect(registry.names()).toEqual(builtInTransformers.map((transformer) => transformer.name).sort());
  });

  it('registers the names the task promises, enum also as valueMap', () => {
    expect(createTransformerRegistry().names()).toEqual(['boolean', 'currency', 'date', 'email', 'enum', 'list', 'number', 'string', 'valueMap']);
  });

  it('resolve - throws TRANSFORMER_NOT_FOUND listing the available names', () => {
    const registry = createTransformerRegistry([{ name: 'sku', transform: () => ({ ok: true, value: 'x' }) }]);
    let thrown: unknown;
    try {
      registry.resolve('dates');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(FieldsyncError.isInstance(thrown) && thrown.code).toBe('TRANSFORMER_NOT_FOUND');
    const message = (thrown as Error).message;
    for (const name of registry.names()) expect(message).toContain(name);
    expect(message).toContain('"dates"');
    expect(registry.get('dates')).toBeUndefined();
    expect(registry.has('dates')).toBe(false);
  });

  it('extras override built-ins by name and add new names', () => {
    const myDate: Transformer = { name: 'date', transform: () => ({ ok: true, value: 'mine' }) };
    const sku: Transformer = { name: 'sku', transform: (value) => ({ ok: true, value: String(value).toUpperCase() }) };
    const registry = createTransformerRegistry([myDate, sku]);
    expect(registry.resolve('date')).toBe(myDate);
    expect(registry.resolve('sku')).toBe(sku);
    expect(createTransformerRegistry().resolve('date')).toBe(dateTransformer);
  });

  it('rejects things that are not transformers, naming their index', () => {
    expect(() => createTransformerRegistry([{ name: 'ok', transform: () => ({ ok: true, value: null }) }, { name: '' } as unknown as Transformer])).toThrow(/transformers\[1\]/);
  });
});

describe('runTransformer', () => {
  it('returns what a well-behaved transformer returns', () => {
    expect(runTransformer(createTransformerRegistry().resolve('number'), '1,234', context)).toEqual({ ok: true, value: 1234 });
  });

  it('turns a throw from a host transformer into an error result naming the column', () => {
    const throwing: Transformer = {
      name: 'explodes',
      transform: () => {
        throw new Error('kaboom');
      },
    };
    const result = runTransformer(throwing, 'v', context);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain('kaboom');
      expect(result.error).toContain('explodes');
      expect(result.error).toContain('"Brand"');
    }
  });

  it('survives throws of non-errors and malformed results', () => {
    const cases: Array<Transformer['transform']> = [
      () => {
        throw 'a string';
      },
      () => undefined as never,
      () => ({ ok: 'yes' }) as never,
      () => ({ ok: false, error: '' }),
      () => ({ ok: true, value: Number.NaN }),
      () => ({ ok: true, value: new Date(Number.NaN) }),
      () => ({ ok: false, error: 'bad', severity: 'fatal' }) as never,
    ];
    for (const transform of cases) {
      const result = runTransformer({ name: 'odd', transform }, 'v', context);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.length).toBeGreaterThan(0);
    }
  });

  it('turns an undefined value into null', () => {
    expect(runTransformer({ name: 'undef', transform: () => ({ ok: true, value: undefined as never }) }, 'v', context)).toEqual({ ok: true, value: null });
  });

  it('keeps warnings as warnings', () => {
    const result = runTransformer(createTransformerRegistry().resolve('string'), 'abcdef', { ...context, options: { maxLength: 2 } });
    expect(result).toMatchObject({ ok: false, severity: 'warning' });
  });
});

describe('parseTransformOptions', () => {
  it('returns parsed options', () => {
    expect(parseTransformOptions(dateTransformer, { format: 'DD.MM.YYYY', output: 'timestamp' }, "column 'Start'")).toEqual({ format: 'DD.MM.YYYY', output: 'timestamp' });
  });

  it('treats missing options as {} and passes options through without a schema', () => {
    expect(parseTransformOptions(dateTransformer, undefined, 'x')).toEqual({});
    const plain: Transformer = { name: 'plain', transform: () => ({ ok: true, value: null }) };
    const options = { anything: 1 };
    expect(parseTransformOptions(plain, options, 'x')).toBe(options);
  });

  it('throws a ConfigurationError listing every bad path, where it is, and the fix', () => {
    let thrown: unknown;
    try {
      parseTransformOptions(dateTransformer, { output: 'datetime', timeZone: 'Nowhere/Land', formatt: 'x' }, "column 'Start' of tab 'Partners'");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    const error = thrown as ConfigurationError;
    expect(error.code).toBe('CONFIGURATION_INVALID');
    const paths = error.issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['transformOptions.output', 'transformOptions.timeZone']));
    expect(error.issues.some((issue) => issue.message.includes('formatt'))).toBe(true);
    expect(error.message).toContain("column 'Start' of tab 'Partners'");
    expect(error.message).toContain('transformOptions.output');
    expect(error.message).toContain('Fix');
  });

  it('works with any zod schema a host transformer brings', () => {
    const host: Transformer<{ prefix: string }> = {
      name: 'prefixed',
      optionsSchema: z.object({ prefix: z.string().min(1) }),
      transform: (value, { options }) => ({ ok: true, value: `${options.prefix}${String(value)}` }),
    };
    expect(parseTransformOptions(host, { prefix: 'SKU-' }, 'x')).toEqual({ prefix: 'SKU-' });
    expect(() => parseTransformOptions(host, { prefix: '' }, 'x')).toThrow(/transformOptions\.prefix/);
  });
});
