import { describe, expect, it } from 'vitest';
import type { Authority } from '../config/schema.js';
import type { ReconcileInput } from '../reconciler.js';
import type { FieldValue } from '../values.js';
import { defaultReconciler } from './default-reconciler.js';

const SHEET = 'source-sheet';
const CLOSE = 'source-close';
const PRIORITY: Record<string, number> = { [SHEET]: 5, [CLOSE]: 10 };

interface Case {
  authority: Authority;
  /** Current entity value; undefined = no entity yet. */
  current: FieldValue | undefined;
  incoming: FieldValue;
  /** Last writer of the field (undefined = no lineage). */
  owner?: string | null;
  incomingSource?: string;
  force?: boolean;
  expectWrite: FieldValue | 'none';
  expectConflict?: 'lower_priority' | 'overwritten' | 'reference';
  expectReason?: string;
}

function run(testCase: Case) {
  const source = testCase.incomingSource ?? SHEET;
  const input: ReconcileInput = {
    entity: 'partners',
    keyField: 'code',
    dataSourceId: source,
    rows: [{ key: 'P1', address: { row: 2 }, values: { code: 'P1', tier: testCase.incoming } }],
    existing:
      testCase.current === undefined
        ? new Map()
        : new Map([['P1', { id: 'id-1', key: 'P1', values: { code: 'P1', tier: testCase.current }, ...(testCase.owner !== undefined && { owners: { tier: testCase.owner } }) }]]),
    rules: new Map([['tier', { authority: testCase.authority, priority: PRIORITY[source] ?? 0 }]]),
    priorityOf: (_field, sourceId) => (sourceId === null ? null : (PRIORITY[sourceId] ?? null)),
    forceOverwrite: testCase.force ?? false,
  };
  return defaultReconciler.reconcile(input);
}

const cases: Array<[string, Case]> = [
  // creates
  ['source_of_truth creates with the value', { authority: 'source_of_truth', current: undefined, incoming: 'gold', expectWrite: 'gold', expectReason: 'create' }],
  ['reference creates with the value', { authority: 'reference', current: undefined, incoming: 'gold', expectWrite: 'gold', expectReason: 'create' }],
  ['derived never syncs on create', { authority: 'derived', current: undefined, incoming: 'gold', expectWrite: 'none' }],
  // source_of_truth
  ['source_of_truth overwrites a different value', { authority: 'source_of_truth', current: 'silver', incoming: 'gold', expectWrite: 'gold', expectReason: 'source_of_truth' }],
  ['source_of_truth leaves an equal value alone', { authority: 'source_of_truth', current: 'gold', incoming: ' gold ', expectWrite: 'none' }],
  ['source_of_truth treats "1" and 1 as equal', { authority: 'source_of_truth', current: 1, incoming: '1', expectWrite: 'none' }],
  ['source_of_truth treats "" and null as equal', { authority: 'source_of_truth', current: null, incoming: '', expectWrite: 'none' }],
  ['source_of_truth clears a field the source emptied', { authority: 'source_of_truth', current: 'gold', incoming: null, expectWrite: null }],
  ['source_of_truth overwrites its own earlier value', { authority: 'source_of_truth', current: 'silver', incoming: 'gold', owner: SHEET, expectWrite: 'gold' }],
  ['lower priority loses to the last writer', { authority: 'source_of_truth', current: 'silver', incoming: 'gold', owner: CLOSE, expectWrite: 'none', expectConflict: 'lower_priority' }],
  ['higher priority wins and keeps the overwritten value', { authority: 'source_of_truth', current: 'silver', incoming: 'gold', owner: SHEET, incomingSource: CLOSE, expectWrite: 'gold', expectConflict: 'overwritten' }],
  ['an app edit is overwritten and kept as a conflict', { authority: 'source_of_truth', current: 'manual', incoming: 'gold', owner: null, expectWrite: 'gold', expectConflict: 'overwritten' }],
  ['a writer unknown to the config does not outrank', { authority: 'source_of_truth', current: 'silver', incoming: 'gold', owner: 'gone-source', expectWrite: 'gold', expectConflict: 'overwritten' }],
  // reference
  ['reference fills an empty field', { authority: 'reference', current: null, incoming: 'gold', expectWrite: 'gold', expectReason: 'reference_fill' }],
  ['reference fills a blank string', { authority: 'reference', current: '  ', incoming: 'gold', expectWrite: 'gold', expectReason: 'reference_fill' }],
  ['reference never overwrites, and records its value', { authority: 'reference', current: 'silver', incoming: 'gold', expectWrite: 'none', expectConflict: 'reference' }],
  ['reference with nothing to offer records nothing', { authority: 'reference', current: 'silver', incoming: null, expectWrite: 'none' }],
  // derived
  ['derived is never synced on update', { authority: 'derived', current: 'silver', incoming: 'gold', expectWrite: 'none' }],
  // force
  ['force overwrites a reference field', { authority: 'reference', current: 'silver', incoming: 'gold', force: true, expectWrite: 'gold', expectReason: 'forced' }],
  ['force beats a higher-priority writer', { authority: 'source_of_truth', current: 'silver', incoming: 'gold', owner: CLOSE, force: true, expectWrite: 'gold', expectReason: 'forced' }],
  ['force still never syncs derived', { authority: 'derived', current: 'silver', incoming: 'gold', force: true, expectWrite: 'none' }],
];

describe('defaultReconciler', () => {
  it.each(cases)('reconcile - %s', (_name, testCase) => {
    const output = run(testCase);
    const tierChange = output.changes.flatMap((change) => change.fields).find((field) => field.field === 'tier');
    if (testCase.expectWrite === 'none') expect(tierChange).toBeUndefined();
    else {
      expect(tierChange?.next).toEqual(testCase.expectWrite);
      if (testCase.expectReason) expect(tierChange?.reason).toBe(testCase.expectReason);
    }
    expect(output.conflicts.map((conflict) => conflict.reason)).toEqual(testCase.expectConflict ? [testCase.expectConflict] : []);
  });

  it('reconcile - a conflict names the losing and the winning source and both values', () => {
    const output = run({ authority: 'source_of_truth', current: 'silver', incoming: 'gold', owner: CLOSE, expectWrite: 'none' });
    expect(output.conflicts[0]).toMatchObject({ losingValue: 'gold', currentValue: 'silver', losingSourceId: SHEET, winningSourceId: CLOSE, entityId: 'id-1' });
  });

  it('reconcile - counts rows that need no change', () => {
    const output = run({ authority: 'source_of_truth', current: 'gold', incoming: 'gold', expectWrite: 'none' });
    expect(output).toMatchObject({ changes: [], unchanged: 1 });
  });

  it('reconcile - the key is set on create and never updated', () => {
    const output = run({ authority: 'source_of_truth', current: undefined, incoming: 'gold', expectWrite: 'gold' });
    expect(output.changes[0]?.fields.map((field) => field.field)).toEqual(['code', 'tier']);
  });
});
