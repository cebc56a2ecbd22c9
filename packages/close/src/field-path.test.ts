import { describe, expect, it } from 'vitest';
import { parseFieldPath, readPath } from './field-path.js';

const lead = {
  id: 'lead_1',
  name: 'Globex',
  addresses: [{ city: 'Chicago' }],
  contacts: [{ name: 'Carol', emails: [{ email: 'carol@globex.example' }], 'custom.cf_b': '2022-12-01' }],
  'custom.cf_a': ['x', 'y'],
};

function segments(source: string) {
  const parsed = parseFieldPath(source);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.path.segments;
}

describe('parseFieldPath', () => {
  it('parses keys, indexes and custom references', () => {
    expect(segments('contacts[0].emails[0].email')).toEqual([
      { kind: 'key', name: 'contacts' },
      { kind: 'index', index: 0 },
      { kind: 'key', name: 'emails' },
      { kind: 'index', index: 0 },
      { kind: 'key', name: 'email' },
    ]);
    expect(segments('custom.Deal Size (USD).v2')).toEqual([{ kind: 'custom', reference: 'Deal Size (USD).v2' }]);
    expect(segments('contacts[1].custom.Birthday')).toEqual([{ kind: 'key', name: 'contacts' }, { kind: 'index', index: 1 }, { kind: 'custom', reference: 'Birthday' }]);
  });

  it('refuses malformed paths with a message', () => {
    for (const bad of ['contacts[x].name', '[0]', 'name.', 'a..b', 'custom.', 'a b', '']) {
      const parsed = parseFieldPath(bad);
      expect(parsed.ok, bad).toBe(false);
    }
  });
});

describe('readPath', () => {
  it('reads nested values, custom keys, and gives undefined for what is missing', () => {
    expect(readPath(lead, segments('contacts[0].emails[0].email'))).toBe('carol@globex.example');
    expect(readPath(lead, segments('addresses[0].city'))).toBe('Chicago');
    expect(readPath(lead, [{ kind: 'custom', reference: 'cf_a' }])).toEqual(['x', 'y']);
    expect(readPath(lead, [...segments('contacts[0]'), { kind: 'custom', reference: 'cf_b' }])).toBe('2022-12-01');
    expect(readPath(lead, segments('contacts[3].name'))).toBeUndefined();
    expect(readPath(lead, segments('name.first'))).toBeUndefined();
    expect(readPath(lead, segments('addresses[0]'))).toEqual({ city: 'Chicago' });
  });
});
