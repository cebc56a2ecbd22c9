import { afterEach, beforeEach, describe } from 'vitest';
import type { ReadRequest, SourceBatch, SourceReader, SourceRow } from '../strategy.js';
import type { StrategyFixture, StrategySuiteGroup, StrategyUnderTest, TestStrategyOptions } from './contract-types.js';

/** Rows per batch the suite asks for; the fixture holds several batches. */
export const SUITE_BATCH_SIZE = 10;

const BRANDS = ['Acme Outdoor', 'Birch & Co', 'Cobalt Labs', 'Dune "Desert" Supply', 'Elm, Oak and Ash', 'Fjord Home', 'Garnet Goods'];

/**
 * 25 partners with 4 columns: the key `Code`, a brand name (with quotes and commas), a revenue
 * (sometimes empty) and an onboarding date.
 */
export function suiteFixture(): StrategyFixture {
  const rows: string[][] = [];
  for (let index = 0; index < 25; index++) {
    const brand = `${BRANDS[index % BRANDS.length]} ${index + 1}`;
    const revenue = index % 6 === 5 ? '' : (1000 + index * 137.5).toFixed(2);
    const day = String((index % 28) + 1).padStart(2, '0');
    rows.push([`P-${String(101 + index)}`, brand, revenue, `2024-03-${day}`]);
  }
  return { headers: ['Code', 'Brand Name', 'Revenue', 'Onboarded'], rows };
}

/** The strategy under test for the running test. */
export interface StrategySuiteContext {
  readonly under: StrategyUnderTest;
  readonly fixture: StrategyFixture;
}

/** Registers a describe block for a group (or a skipped one whose name keeps the reason), with a fresh source per test. */
export function describeStrategyGroup(options: TestStrategyOptions, group: StrategySuiteGroup, body: (context: StrategySuiteContext) => void): void {
  const reason = options.skip?.[group];
  const register = reason === undefined ? describe : describe.skip;
  register(reason === undefined ? group : `${group} (skipped: ${reason})`, () => {
    let current: StrategyUnderTest | undefined;
    const fixture = suiteFixture();
    beforeEach(async () => {
      current = await options.create(fixture);
    });
    afterEach(async () => {
      const finished = current;
      current = undefined;
      await finished?.cleanup();
    });
    body({
      get under() {
        if (!current) throw new Error('testStrategy: the strategy is only available inside a test');
        return current;
      },
      fixture,
    });
  });
}

/** A read request for the whole tab, as the engine would make it. */
export function readRequest(under: StrategyUnderTest, overrides: Partial<ReadRequest> = {}): ReadRequest {
  return {
    dataSource: under.dataSource,
    tab: under.tab,
    columns: under.columns,
    batchSize: SUITE_BATCH_SIZE,
    state: null,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** What one read yielded. */
export interface ReadOutcome {
  batches: SourceBatch[];
  rows: SourceRow[];
}

/** Opens a read and drains it, closing the reader whatever happens. */
export async function readAll(under: StrategyUnderTest, overrides: Partial<ReadRequest> = {}): Promise<ReadOutcome> {
  const reader: SourceReader = await under.strategy.open(readRequest(under, overrides));
  return drain(reader);
}

/** Drains an open reader, closing it whatever happens. */
export async function drain(reader: SourceReader, onBatch?: (batch: SourceBatch) => void): Promise<ReadOutcome> {
  const outcome: ReadOutcome = { batches: [], rows: [] };
  try {
    for await (const batch of reader.batches()) {
      outcome.batches.push(batch);
      outcome.rows.push(...batch.rows);
      onBatch?.(batch);
    }
  } finally {
    await reader.close?.();
  }
  return outcome;
}

/** The key of a row read from the source (the first column mapping is the key). */
export function keyOf(under: StrategyUnderTest, row: SourceRow): string {
  const keyColumn = under.columns[0]?.sourceColumn ?? '';
  return String(row.values[keyColumn] ?? '').trim();
}
