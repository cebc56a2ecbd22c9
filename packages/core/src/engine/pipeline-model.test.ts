import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineMapping } from '../config/define-mapping.js';
import { staticRows } from '../testing/static-rows.js';
import { memoryStore } from '../testing/memory-store.js';
import { createSyncEngine } from './create-sync-engine.js';

/**
 * The pipeline's end state must equal a small independent model of the rules, over random
 * rows, edits, authorities and priorities, across two sources writing the same entity.
 */

type Authority = 'source_of_truth' | 'reference';
interface SourceSpec {
  priority: number;
  authority: { tier: Authority; notes: Authority };
}
interface Row {
  Code: string;
  Tier: string;
  Notes: string;
}

const value = fc.constantFrom('', ' ', 'gold', ' gold', 'silver', 'bronze', '1', '01');
const row = fc.record({ Code: fc.constantFrom('', 'A', 'B', 'C', 'D'), Tier: value, Notes: value });
const sourceSpec = fc.record({
  priority: fc.integer({ min: 0, max: 3 }),
  authority: fc.record({ tier: fc.constantFrom<Authority>('source_of_truth', 'reference'), notes: fc.constantFrom<Authority>('source_of_truth', 'reference') }),
});
const runs = fc.array(fc.record({ source: fc.constantFrom(0, 1), rows: fc.array(row, { maxLength: 8 }) }), { minLength: 1, maxLength: 6 });

const empty = (text: string | null | undefined) => text === null || text === undefined || text.trim() === '';
const canonical = (text: string | null | undefined) => (empty(text) ? null : text!.trim());

/** The rules, written independently of the engine. */
function model(specs: SourceSpec[], sequence: Array<{ source: number; rows: Row[] }>) {
  const entities = new Map<string, Record<'tier' | 'notes', string | null>>();
  const owners = new Map<string, Record<string, number>>();
  for (const { source, rows } of sequence) {
    const spec = specs[source]!;
    const seen = new Set<string>();
    for (const sourceRow of rows) {
      if (empty(sourceRow.Code) || seen.has(sourceRow.Code)) continue;
      seen.add(sourceRow.Code);
      const incoming: Record<'tier' | 'notes', string | null> = { tier: empty(sourceRow.Tier) ? null : sourceRow.Tier.trim(), notes: empty(sourceRow.Notes) ? null : sourceRow.Notes.trim() };
      const entity = entities.get(sourceRow.Code);
      const owner = owners.get(sourceRow.Code) ?? {};
      if (!entity) {
        entities.set(sourceRow.Code, { ...incoming });
        for (const field of ['tier', 'notes'] as const) if (incoming[field] !== null) owner[field] = source;
        owners.set(sourceRow.Code, owner);
        continue;
      }
      for (const field of ['tier', 'notes'] as const) {
        if (canonical(entity[field]) === canonical(incoming[field])) continue;
        if (spec.authority[field] === 'reference') {
          if (empty(entity[field])) {
            entity[field] = incoming[field];
            owner[field] = source;
          }
          continue;
        }
        const last = owner[field];
        if (last !== undefined && last !== source && specs[last]!.priority > spec.priority) continue;
        entity[field] = incoming[field];
        owner[field] = source;
      }
    }
  }
  return entities;
}

function mappingFor(specs: SourceSpec[]) {
  return defineMapping<{ partners: { code: string; tier: string; notes: string } }>({
    dataSources: specs.map((spec, index) => ({
      id: `source-${index}`,
      name: `Source ${index}`,
      type: `static-${index}`,
      tabs: [
        {
          id: `tab-${index}`,
          tabName: 'Partners',
          entity: 'partners' as const,
          columns: {
            Code: { field: 'code' as const, key: true },
            Tier: { field: 'tier' as const, authority: spec.authority.tier, priority: spec.priority },
            Notes: { field: 'notes' as const, authority: spec.authority.notes, priority: spec.priority },
          },
        },
      ],
    })),
  });
}

describe('pipeline against a reference model', () => {
  it('syncTab - the final state equals the model for random rows, edits, authorities and priorities', async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(sourceSpec, sourceSpec), runs, async (specs, sequence) => {
        const store = memoryStore({ tables: { partners: { columns: { code: 'text', tier: 'text', notes: 'text' } } } });
        const sources = [staticRows({ type: 'static-0', tabs: { Partners: [] } }), staticRows({ type: 'static-1', tabs: { Partners: [] } })];
        const engine = createSyncEngine({ store, strategies: sources, config: mappingFor(specs), batchSize: 3 });
        for (const run of sequence) {
          sources[run.source]!.setRows('Partners', run.rows);
          await engine.syncTab(`tab-${run.source}`);
        }
        const expected = model(specs, sequence);
        const actual = new Map(store.entities('partners').map((entity) => [entity.code as string, { tier: entity.tier as string | null, notes: entity.notes as string | null }]));
        expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [key, fields] of expected) {
          expect(canonical(actual.get(key)?.tier)).toBe(canonical(fields.tier));
          expect(canonical(actual.get(key)?.notes)).toBe(canonical(fields.notes));
        }
      }),
      { numRuns: 150 },
    );
  });
});
