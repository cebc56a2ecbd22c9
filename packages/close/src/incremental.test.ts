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
    // Bug: a record edited again during the run froze the cursor while its rows were still yielded (applied twice next run).
    expect(tracker.accept('b', at('2024-01-01T10:00:50Z'))).toBe('read');
    expect(tracker.accept('b', at('2024-01-01T10:00:40Z'))).toBe('older-version');
    expect(tracker.checkpoint()).toMatchObject({ dateUpdated: '2024-01-01T10:00:50.000Z', seen: { b: '2024-01-01T10:00:50.000Z' } });
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

  it('a sorted read holds only the versions of the overlap window and the listing minute, in full and incremental mode', () => {
    // Bug: the run's id map kept every id read (also in full mode), so memory grew with the whole list.
    for (const checkpoints of [true, false]) {
      const tracker = createIncrementalTracker(null, { overlapMs: 60_000, checkpoints });
      let largest = 0;
      for (let index = 0; index < 10_000; index += 1) {
        const time = at('2024-01-01T00:00:00Z') + index * 1000;
        // The reader restarts the sorted listing at each new minute it reaches.
        if (index % 60 === 0) tracker.restartAt(time);
        expect(tracker.accept(`lead_${index}`, time)).toBe('read');
        largest = Math.max(largest, tracker.size);
      }
      expect(largest).toBeLessThanOrEqual(180);
    }
  });

  it('a sorted read starts overlapMs before the cursor and keeps seen for that whole window', () => {
    // Bug: the read started at the cursor's minute, so a change Close's search index showed late was lost.
    const cursor = parseCursor({ dateUpdated: '2024-01-01T10:01:10.000Z', seen: { b: '2024-01-01T10:00:20.000Z', c: '2024-01-01T10:01:10.000Z' }, deletedSince: null });
    const tracker = createIncrementalTracker(cursor, { overlapMs: 60_000 });
    expect(tracker.startMinute).toBe(at('2024-01-01T10:00:00Z'));
    expect(tracker.accept('b', at('2024-01-01T10:00:20Z'))).toBe('already-applied');
    expect(tracker.accept('late', at('2024-01-01T10:00:50Z'))).toBe('read');
    expect(tracker.checkpoint()).toMatchObject({ seen: { b: '2024-01-01T10:00:20.000Z', late: '2024-01-01T10:00:50.000Z', c: '2024-01-01T10:01:10.000Z' } });
  });

  it('an unsorted read never stores a cursor past the run start less the overlap', () => {
    // Bug: contacts stored the newest date seen, passing edits made on pages already read.
    const tracker = createIncrementalTracker(null, { sorted: false, overlapMs: 60_000, runStartedAt: at('2024-01-01T11:00:30Z') });
    tracker.accept('c2', at('2024-01-01T11:01:20Z'));
    expect(tracker.checkpoint()).toEqual({ dateUpdated: '2024-01-01T10:59:00.000Z', seen: { c2: '2024-01-01T11:01:20.000Z' }, deletedSince: null });
  });
});
