/**
 * The write floors of the postgres benchmark: a COPY of the entity rows, and a COPY of the entity
 * rows (with ids) then of the lineage rows the store writes for them. The COPY itself is a
 * parameter, so the server's floors run in a child process (copy-case.ts) and PGlite's in the
 * bench process.
 */
import { randomUUID } from 'node:crypto';
import { ENTITY_COLUMNS, SOURCE_ID, entityCopyLine, sourceRow } from './bench-data.js';

/** Runs one `copy ... from stdin` statement over text lines. */
export type Copy = (sql: string, lines: Iterable<string>) => Promise<void>;

/** One floor to time, into `schema`'s partners (and field_lineage) tables, which are empty. */
export interface FloorRequest {
  schema: string;
  rows: number;
  batchSize: number;
  floor: 'entities' | 'entities+lineage';
}

const LINEAGE_COLUMNS = ['id', 'entity_type', 'entity_id', 'entity_key', 'field_name', 'source_type', 'source_id', 'source_ref', 'new_value', 'sync_run_id', 'changed_at', 'change_reason'];
const FIELD_OF_HEADER: Record<string, string> = { Code: 'code', Brand: 'brand', Revenue: 'revenue', Seats: 'seats', Active: 'active', Signed: 'signed_on', Seen: 'seen_at', Tier: 'tier', Region: 'region', Notes: 'notes' };

/**
 * The ids the store gives a batch's lineage rows (fieldsync_apply_batch): one version 7 UUID per
 * batch, at its instant, whose last 48 bits count up from a random start through the batch.
 */
function batchLineageIds(ms: number): () => string {
  const prefix = `${ms.toString(16).padStart(12, '0')}7${randomUUID().replaceAll('-', '').slice(13, 20)}`;
  let next = Math.floor(Math.random() * 2 ** 47);
  return () => {
    const id = prefix + (next++).toString(16).padStart(12, '0');
    return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
  };
}

/** COPY text lines of the lineage rows the store writes for created entity `index`, with the ids it gives them. */
function lineageCopyLines(index: number, entityId: string, runId: string, changedAtMs: number, nextId: () => string): string {
  const changedAt = new Date(changedAtMs).toISOString();
  const row = sourceRow(index);
  let out = '';
  let letter = 65;
  for (const [header, value] of Object.entries(row)) {
    const field = FIELD_OF_HEADER[header]!;
    const json = JSON.stringify(header === 'Revenue' || header === 'Seats' ? Number(value) : header === 'Active' ? value === 'true' : value);
    out += `${nextId()}\tpartners\t${entityId}\t${row.Code}\t${field}\tbench\t${SOURCE_ID}\tBench Sheet > Partners > ${String.fromCharCode(letter++)} (${header}), row ${index + 2}\t${json}\t${runId}\t${changedAt}\tcreate\n`;
  }
  return out;
}

function* chunks(rows: number, line: (index: number) => string, size = 1000): Generator<string> {
  for (let start = 0; start < rows; start += size) {
    let text = '';
    for (let index = start; index < Math.min(rows, start + size); index++) text += line(index);
    yield text;
  }
}

/** Times one floor (ms): the rows are generated as they are sent, as the fieldsync cases read theirs. */
export async function copyFloor(copy: Copy, request: FloorRequest): Promise<number> {
  const { schema, rows } = request;
  if (request.floor === 'entities') {
    const started = performance.now();
    await copy(`copy "${schema}".partners (${ENTITY_COLUMNS.join(', ')}) from stdin`, chunks(rows, entityCopyLine));
    return performance.now() - started;
  }
  const ids = Array.from({ length: rows }, () => randomUUID());
  const runId = randomUUID();
  const started = performance.now();
  await copy(`copy "${schema}".partners (id, ${ENTITY_COLUMNS.join(', ')}) from stdin`, chunks(rows, (index) => `${ids[index]}\t${entityCopyLine(index)}`));
  const base = Date.now();
  let nextId = batchLineageIds(base);
  await copy(
    `copy "${schema}".field_lineage (${LINEAGE_COLUMNS.join(', ')}) from stdin`,
    chunks(
      rows,
      (index) => {
        if (index % request.batchSize === 0) nextId = batchLineageIds(base + index / request.batchSize);
        return lineageCopyLines(index, ids[index]!, runId, base + Math.floor(index / request.batchSize), nextId);
      },
      500,
    ),
  );
  return performance.now() - started;
}
