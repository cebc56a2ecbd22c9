import { describe, expect, it } from 'vitest';
import type { SourceReader } from '../strategy.js';
import { FieldsyncError } from '../errors.js';
import { sameValue, type JsonValue } from '../values.js';
import type { TestStrategyOptions } from './contract-types.js';
import { SUITE_BATCH_SIZE, describeStrategyGroup, drain, keyOf, readAll, readRequest, suiteFixture } from './strategy-suite-context.js';

/**
 * The contract suite every {@link SyncStrategy} runs, in groups (basic, schema, limits, abort,
 * incremental, lookup). `create(fixture)` makes a source holding the fixture (25 rows of 4
 * columns, the first being the key) and a strategy reading it; reads use batches of 10.
 * Groups a strategy cannot do by its capabilities skip themselves with that reason.
 *
 * @example
 * testStrategy({
 *   name: 'csvFile',
 *   create: async (fixture) => { ... write the file ...; return { strategy, dataSource, tab, columns, cleanup }; },
 *   createWithMissingColumn: async (fixture, missing) => { ... },
 * });
 */
export function testStrategy(options: TestStrategyOptions): void {
  describe(`testStrategy: ${options.name}`, () => {
    describeStrategyGroup(options, 'basic', (context) => {
      it('open - gives a label and a location for every mapped column', async () => {
        const reader = await context.under.strategy.open(readRequest(context.under));
        try {
          expect(reader.label.trim()).not.toBe('');
          for (const column of context.under.columns) {
            expect(reader.columns.get(column.sourceColumn)?.label.trim(), `location of ${column.sourceColumn}`).toBeTruthy();
          }
        } finally {
          await reader.close?.();
        }
      });

      it('batches - yield every fixture row once, in order, with its values and an address', async () => {
        const { rows } = await readAll(context.under);
        expect(rows.map((row) => keyOf(context.under, row))).toEqual(context.fixture.rows.map((row) => row[0]));
        rows.forEach((row, index) => {
          const expected = context.fixture.rows[index] ?? [];
          context.under.columns.forEach((column, columnIndex) => {
            const actual = row.values[column.sourceColumn];
            expect(sameValue(actual, expected[columnIndex]), `row ${index + 1}, ${column.sourceColumn}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected[columnIndex])}`).toBe(true);
          });
          expect(row.address.row !== undefined || row.address.id !== undefined, `row ${index + 1} has an address`).toBe(true);
        });
        const numbers = rows.map((row) => row.address.row).filter((row): row is number => row !== undefined);
        for (let index = 1; index < numbers.length; index++) expect(numbers[index]!).toBeGreaterThan(numbers[index - 1]!);
        const ids = rows.map((row) => row.address.id).filter((id): id is string => id !== undefined);
        expect(new Set(ids).size, 'record ids are unique').toBe(ids.length);
      });

      it('batches - never exceed the requested batch size', async () => {
        const { batches, rows } = await readAll(context.under);
        expect(rows.length).toBe(context.fixture.rows.length);
        for (const batch of batches) expect(batch.rows.length).toBeLessThanOrEqual(SUITE_BATCH_SIZE);
        const small = await readAll(context.under, { batchSize: 3 });
        for (const batch of small.batches) expect(batch.rows.length).toBeLessThanOrEqual(3);
        expect(small.rows.length).toBe(context.fixture.rows.length);
      });
    });

    describeStrategyGroup(options, 'schema', (context) => {
      it('open - rejects with SOURCE_SCHEMA_MISMATCH when a mapped column is missing, naming it', async () => {
        if (!options.createWithMissingColumn) {
          expect.fail('testStrategy needs createWithMissingColumn, or skip.schema with the reason it cannot be given');
        }
        const missingHeader = context.fixture.headers[2] ?? 'Revenue';
        const broken = await options.createWithMissingColumn(suiteFixture(), missingHeader);
        try {
          let reader: SourceReader | undefined;
          let caught: unknown;
          try {
            reader = await broken.strategy.open(readRequest(broken));
          } catch (error) {
            caught = error;
          }
          await reader?.close?.();
          expect(reader, 'open must fail before any row is read').toBeUndefined();
          expect(FieldsyncError.isInstance(caught) && caught.code).toBe('SOURCE_SCHEMA_MISMATCH');
          expect((caught as Error).message).toContain(missingHeader);
        } finally {
          await broken.cleanup();
        }
      });
    });

    describeStrategyGroup(options, 'limits', (context) => {
      it('batches - stop after rowLimit rows', async () => {
        const { rows } = await readAll(context.under, { rowLimit: 7 });
        expect(rows.map((row) => keyOf(context.under, row))).toEqual(context.fixture.rows.slice(0, 7).map((row) => row[0]));
        const acrossBatches = await readAll(context.under, { rowLimit: 12 });
        expect(acrossBatches.rows.map((row) => keyOf(context.under, row))).toEqual(context.fixture.rows.slice(0, 12).map((row) => row[0]));
      });
    });

    describeStrategyGroup(options, 'abort', (context) => {
      it('batches - reject when the signal is already aborted', async () => {
        const controller = new AbortController();
        controller.abort();
        const read = (async () => drain(await context.under.strategy.open(readRequest(context.under, { signal: controller.signal }))))();
        await expect(read).rejects.toBeInstanceOf(Error);
      });

      it('batches - reject before the end when the signal is aborted during the read', async () => {
        const controller = new AbortController();
        const reader = await context.under.strategy.open(readRequest(context.under, { signal: controller.signal }));
        let seen = 0;
        let caught: unknown;
        try {
          await drain(reader, (batch) => {
            seen += batch.rows.length;
            controller.abort();
          });
        } catch (error) {
          caught = error;
        }
        expect(caught, 'the read rejects').toBeDefined();
        expect(seen).toBeLessThan(context.fixture.rows.length);
      });
    });

    describeStrategyGroup(options, 'incremental', (context) => {
      it('batches - yield a checkpoint, and nothing new when read again from it', async (test) => {
        if (!context.under.strategy.capabilities.incremental) test.skip('the strategy does not declare capabilities.incremental');
        const incrementalTab = { ...context.under.tab, mode: 'incremental' as const };
        const first = await readAll(context.under, { tab: incrementalTab });
        const checkpoints = first.batches.map((batch) => batch.checkpoint).filter((checkpoint): checkpoint is JsonValue => checkpoint !== undefined);
        expect(checkpoints.length, 'at least one batch carries a checkpoint').toBeGreaterThan(0);
        const state = checkpoints.at(-1) ?? null;
        const second = await readAll(context.under, { tab: incrementalTab, state });
        expect(second.rows.map((row) => keyOf(context.under, row))).toEqual([]);
        if (context.under.edit) {
          const editedKey = context.fixture.rows[4]?.[0] ?? '';
          await context.under.edit(editedKey, context.fixture.headers[1] ?? '', 'Edited Brand');
          const third = await readAll(context.under, { tab: incrementalTab, state });
          expect(third.rows.map((row) => keyOf(context.under, row))).toContain(editedKey);
        }
      });
    });

    describeStrategyGroup(options, 'lookup', (context) => {
      it('batches - read only the records given in ids', async (test) => {
        if (!context.under.strategy.capabilities.lookup) test.skip('the strategy does not declare capabilities.lookup');
        const all = await readAll(context.under);
        const picked = [all.rows[2], all.rows[16]];
        const ids = picked.map((row) => row?.address.id);
        expect(ids.every((id) => typeof id === 'string'), 'lookup strategies give every row an address id').toBe(true);
        const { rows } = await readAll(context.under, { ids: ids as string[] });
        expect(rows.map((row) => keyOf(context.under, row))).toEqual(picked.map((row) => (row ? keyOf(context.under, row) : '')));
      });
    });
  });
}
