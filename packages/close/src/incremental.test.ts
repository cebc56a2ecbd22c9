import { describe, expect, it } from 'vitest';
import { createIncrementalTracker, parseCursor } from './incremental.js';

const at = (text: string) => Date.parse(text);

describe('createIncrementalTracker', () => {
  it('reads everything without a cursor and checkpoints the newest date with its minute', () => {
    const tracker = createIncrementalTracker(null);
    expect(tracker.startMinute).toBeNull();
    expect(tracker.accept('a', at('2024-01-01T09:59:59Z'))).toBe('read');
    expect(tracker.accept('b', at('2024-01-01T10:00:10Z'))).toBe('read');
    expect(tracker.accept('c', at('2024-01-01T10:00:30Z'))).toBe('read');
    expect(tracker.checkpoint()).toEqual({
      dateUpdated: '2024-01-01T10:00:30.000Z',
      seen: { b: '2024-01-01T10:00:10.000Z', c: '2024-01-01T10:00:30.000Z' },
      deletedSince: null,
    });
  });

  it('skips the exact versions already applied, reads later edits and late arrivals within the minute', () => {
    const cursor = parseCursor({ dateUpdated: '2024-01-01T10:00:30.000Z', seen: { b: '2024-01-01T10:00:10.000Z', c: '2024-01-01T10:00:30.000Z' }, deletedSince: null });
    const tracker = createIncrementalTracker(cursor);
    expect(tracker.startMinute).toBe(at('2024-01-01T10:00:00Z'));
    expect(tracker.accept('a', at('2024-01-01T09:59:59Z'))).toBe('before-cursor');
    expect(tracker.accept('b', at('2024-01-01T10:00:10Z'))).toBe('already-applied');
    expect(tracker.accept('c', at('2024-01-01T10:00:30Z'))).toBe('already-applied');
    expect(tracker.accept('d', at('2024-01-01T10:00:20Z'))).toBe('read');
    expect(tracker.accept('b', at('2024-01-01T10:00:40Z'))).toBe('read');
    expect(tracker.accept('b', at('2024-01-01T10:00:50Z'))).toBe('changed-during-run');
    expect(tracker.checkpoint()).toBeUndefined();
  });

  it('accepts the short form { dateUpdated, seenIds }', () => {
    const tracker = createIncrementalTracker(parseCursor({ dateUpdated: '2024-01-01T10:00:30.000Z', seenIds: ['c'] }));
    expect(tracker.accept('c', at('2024-01-01T10:00:30Z'))).toBe('already-applied');
    expect(tracker.accept('e', at('2024-01-01T10:00:30Z'))).toBe('read');
  });

  it('forgets seen records once the cursor moves to a later minute', () => {
    const tracker = createIncrementalTracker(null);
    tracker.accept('a', at('2024-01-01T10:00:10Z'));
    tracker.accept('b', at('2024-01-01T10:01:05Z'));
    expect(tracker.checkpoint()).toMatchObject({ seen: { b: '2024-01-01T10:01:05.000Z' } });
  });

  it('treats an unreadable cursor as none', () => {
    expect(parseCursor('nonsense')).toBeNull();
    expect(parseCursor({ dateUpdated: 'not a date' })).toEqual({ dateUpdated: null, seen: {}, deletedSince: null });
  });
});
