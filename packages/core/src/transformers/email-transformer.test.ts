import { describe, expect, it } from 'vitest';
import { emailTransformer, type EmailTransformerOptions } from './email-transformer.js';

function run(value: unknown, options: EmailTransformerOptions = {}) {
  return emailTransformer.transform(value, { options, column: 'Email', field: 'email' });
}

describe('email', () => {
  it.each([
    [' John.Doe@Example.COM ', {}, 'john.doe@example.com'],
    ['John.Doe@Example.COM', { keepLocalPartCase: true }, 'John.Doe@example.com'],
    ['mailto:sales@acme.io', {}, 'sales@acme.io'],
    ['Jane Roe <Jane@Acme.co.uk>', {}, 'jane@acme.co.uk'],
    ['first+tag@sub.example.org', {}, 'first+tag@sub.example.org'],
    ["o'neil@example.com", {}, "o'neil@example.com"],
    ['user@bücher.de', {}, 'user@bücher.de'],
    ['user@xn--bcher-kva.de', {}, 'user@xn--bcher-kva.de'],
  ] as Array<[string, EmailTransformerOptions, string]>)('%j with %j is %j', (value, options, expected) => {
    expect(run(value, options)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['john.doe', /no @/],
    ['john@doe@example.com', /more than one @/],
    ['john doe@example.com', /space/],
    ['@example.com', /before the @/],
    ['john@example', /no dot/],
    ['john@.com', /host name/],
    ['john@example.c', /top-level/],
    ['john@example.123', /top-level/],
    ['.john@example.com', /characters/],
    ['jo..hn@example.com', /characters/],
    ['john@-example.com', /host name/],
    [`${'a'.repeat(65)}@example.com`, /64/],
  ])('%j is an error with the value (%s)', (value, reason) => {
    const result = run(value);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(reason);
      expect(result.error).toContain(JSON.stringify(value.slice(0, 60)).slice(0, -1));
    }
  });

  it.each([42, true, {}, ['a@b.co']])('%j is an error', (value) => {
    expect(run(value).ok).toBe(false);
  });

  it.each([null, undefined, '', ' '])('%j is null', (value) => {
    expect(run(value)).toEqual({ ok: true, value: null });
  });
});
