import { open as openFile, type FileHandle } from 'node:fs/promises';
import { basename, relative, resolve, isAbsolute } from 'node:path';
import { pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { ConfigurationError, FieldsyncError, SourceError, formatMessage } from '../errors.js';
import type { ReadRequest, SourceBatch, SourceReader, SourceRow, SyncStrategy } from '../strategy.js';
import { planCsvColumns } from './csv-headers.js';
import { readAbortedError } from './read-aborted.js';

const SCOPE = 'csv';
/** Long rows are reported one by one up to this many, then as a count. */
const MAX_LONG_ROW_WARNINGS = 10;

const encodings = ['utf8', 'utf-8', 'utf16le', 'latin1', 'ascii'] as const;

const optionsSchema = z
  .object({
    baseDir: z.string().min(1, 'must be a directory path').optional(),
    delimiter: z.string().min(1, 'must be one or more characters, e.g. ";"').optional(),
    encoding: z.enum(encodings).optional(),
  })
  .strict();

/** Options of {@link csvFile}. */
export interface CsvFileOptions {
  /**
   * Directory of the files. A tab without a path (in `tab.options.path` or the data source's
   * `connectorConfig.path`) reads `<baseDir>/<tab.tabName>`; relative paths resolve against it.
   *
   * @example csvFile({ baseDir: './imports' }) // tab 'partners.csv' reads ./imports/partners.csv
   */
  baseDir?: string;
  /** Field delimiter; a tab's `options.delimiter` or the data source's `connectorConfig.delimiter` wins. @default ',' */
  delimiter?: string;
  /** Text encoding of the files. @default 'utf8' */
  encoding?: (typeof encodings)[number];
}

function invalidOptions(error: z.ZodError, origin: string): ConfigurationError {
  const issues = error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message }));
  return new ConfigurationError(
    formatMessage(SCOPE, `Invalid ${origin}: ${issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}.`, 'Fix the listed options; see CsvFileOptions.'),
    { issues },
  );
}

function stringSetting(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Where the tab's file is and how it is delimited. */
function resolveFile(request: ReadRequest, options: CsvFileOptions): { path: string; delimiter: string } {
  const tabPath = stringSetting(request.tab.options.path);
  const sourcePath = stringSetting(request.dataSource.connectorConfig.path);
  const delimiter = stringSetting(request.tab.options.delimiter) ?? stringSetting(request.dataSource.connectorConfig.delimiter) ?? options.delimiter ?? ',';
  const explicit = tabPath ?? sourcePath;
  if (explicit !== undefined) return { path: options.baseDir && !isAbsolute(explicit) ? resolve(options.baseDir, explicit) : resolve(explicit), delimiter };
  if (options.baseDir === undefined) {
    throw new ConfigurationError(
      formatMessage(SCOPE, `Tab '${request.tab.tabName}' of '${request.dataSource.name}' names no CSV file.`, "Set the tab's options.path, the data source's connectorConfig.path, or csvFile({ baseDir }) to read <baseDir>/<tabName>."),
      { issues: [{ path: 'tab.options.path', message: 'no file path for this tab' }] },
    );
  }
  const path = resolve(options.baseDir, request.tab.tabName);
  const inside = relative(resolve(options.baseDir), path);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new ConfigurationError(formatMessage(SCOPE, `Tab name '${request.tab.tabName}' points outside baseDir.`, 'Use a file name inside baseDir, or set options.path on the tab.'), {
      issues: [{ path: 'tab.tabName', message: 'points outside baseDir' }],
    });
  }
  return { path, delimiter };
}

async function openCsv(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await openFile(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new SourceError('SOURCE_PERMISSION_DENIED', formatMessage(SCOPE, `Cannot read ${path}: permission denied.`, 'Give the process read access to the file.'), { cause: error, details: { path } });
    }
    throw new SourceError('SOURCE_NOT_FOUND', formatMessage(SCOPE, `CSV file not found: ${path}.`, 'Check the path (tab options.path, connectorConfig.path or baseDir + tabName) and that the file exists.'), {
      cause: error,
      details: { path },
    });
  }
  const stats = await handle.stat();
  if (stats.isDirectory()) {
    await handle.close();
    throw new SourceError('SOURCE_NOT_FOUND', formatMessage(SCOPE, `${path} is a directory, not a CSV file.`, 'Point the path at a CSV file.'), { details: { path } });
  }
  return handle;
}

/** Turns a parser or read failure into a SourceError that names the file and the line. */
function readError(error: unknown, path: string, lastCompleteLine: number): FieldsyncError {
  if (FieldsyncError.isInstance(error)) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return new SourceError(
      'SOURCE_INVALID_RESPONSE',
      formatMessage(SCOPE, `${path}: a quoted field in the row starting at line ${lastCompleteLine + 1} is never closed.`, 'Close the quote, or double the quotes inside quoted fields (""), then sync again.'),
      { cause: error, details: { path, line: lastCompleteLine + 1 } },
    );
  }
  if (typeof code === 'string' && code.startsWith('CSV_') || code === 'INVALID_OPENING_QUOTE') {
    const line = (error as { lines?: unknown }).lines;
    return new SourceError('SOURCE_INVALID_RESPONSE', formatMessage(SCOPE, `${path}: cannot parse line ${String(line ?? lastCompleteLine + 1)}: ${message}`, 'Fix the CSV at that line (quotes, delimiter), then sync again.'), {
      cause: error,
      details: { path, line },
    });
  }
  return new SourceError('SOURCE_UNAVAILABLE', formatMessage(SCOPE, `Reading ${path} failed: ${message}`, 'Check the file is readable and try again.'), { cause: error, details: { path } });
}

/**
 * A streaming {@link SyncStrategy} over CSV files (type `csv`). Reads with csv-parse as the
 * file streams, so memory stays bounded by the batch size. Headers match mappings case- and
 * whitespace-insensitively, or by column letter (`B`). Row addresses are the file's 1-based
 * record numbers (the header row is row 1 by default, so the first data row is row 2).
 *
 * The file is `tab.options.path`, else the data source's `connectorConfig.path`, else
 * `<baseDir>/<tab.tabName>`.
 *
 * @example
 * const engine = createSyncEngine({ store, strategies: [csvFile({ baseDir: './imports' })], config });
 */
export function csvFile(options: CsvFileOptions = {}): SyncStrategy {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions(parsed.error, 'csvFile options');
  const settings: CsvFileOptions = parsed.data;

  async function open(request: ReadRequest): Promise<SourceReader> {
    if (request.signal.aborted) throw readAbortedError(SCOPE, request.signal.reason);
    const { path, delimiter } = resolveFile(request, settings);
    const handle = await openCsv(path);
    const stream = handle.createReadStream();
    let lastCompleteLine = 0;
    let recordNumber = 0;
    const parser = parse({
      bom: true,
      delimiter,
      encoding: settings.encoding ?? 'utf8',
      relax_column_count: true,
      skip_empty_lines: false,
      on_record: (record: string[], context) => {
        lastCompleteLine = context.lines;
        return record;
      },
    });
    // Errors of either stream surface through the parser's iterator below.
    pipeline(stream, parser, () => undefined);
    const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
    const onAbort = () => parser.destroy(readAbortedError(SCOPE, request.signal.reason));
    request.signal.addEventListener('abort', onAbort, { once: true });
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      request.signal.removeEventListener('abort', onAbort);
      parser.destroy();
      stream.destroy();
      await handle.close().catch(() => undefined);
    };
    const next = async (): Promise<string[] | undefined> => {
      try {
        const result = await records.next();
        if (result.done) return undefined;
        recordNumber += 1;
        return result.value;
      } catch (error) {
        await close();
        throw readError(error, path, lastCompleteLine);
      }
    };

    const headerRow = request.tab.headerRow;
    let headers: string[] | undefined;
    let plan: ReturnType<typeof planCsvColumns>;
    try {
      while (headers === undefined) {
        const record = await next();
        if (record === undefined) break;
        if (recordNumber === headerRow) headers = record;
      }
      if (headers === undefined) {
        throw new SourceError(
          'SOURCE_SCHEMA_MISMATCH',
          formatMessage(SCOPE, `${path} has no header row ${headerRow}: the file has ${recordNumber} row${recordNumber === 1 ? '' : 's'}.`, 'Check the file is the export you expect, or fix tab.headerRow.'),
          { details: { path, headerRow } },
        );
      }
      plan = planCsvColumns({ headers, columns: request.columns, file: path, headerRow, scope: SCOPE });
    } catch (error) {
      await close();
      throw error;
    }
    const width = headers.length;
    const warnings = [...plan.warnings];
    let longRows = 0;

    async function* batches(): AsyncGenerator<SourceBatch> {
      const batchSize = Math.max(1, Math.floor(request.batchSize));
      const limit = request.rowLimit ?? Number.POSITIVE_INFINITY;
      let batch: SourceRow[] = [];
      let taken = 0;
      try {
        while (taken < limit) {
          if (request.signal.aborted) throw readAbortedError(SCOPE, request.signal.reason);
          const record = await next();
          if (record === undefined) break;
          if (record.every((cell) => cell.trim() === '')) continue;
          if (record.length > width && record.slice(width).some((cell) => cell.trim() !== '')) {
            longRows += 1;
            if (longRows <= MAX_LONG_ROW_WARNINGS) warnings.push(`${path}: row ${recordNumber} has ${record.length} cells but the header has ${width}; the extra cells are ignored.`);
          }
          const values: Record<string, string> = {};
          for (const [sourceColumn, index] of plan.indexes) values[sourceColumn] = record[index] ?? '';
          batch.push({ values, address: { row: recordNumber } });
          taken += 1;
          if (batch.length >= batchSize) {
            yield { rows: batch };
            batch = [];
          }
        }
        if (request.signal.aborted) throw readAbortedError(SCOPE, request.signal.reason);
        if (batch.length > 0) yield { rows: batch };
        if (longRows > MAX_LONG_ROW_WARNINGS) warnings.push(`${path}: ${longRows - MAX_LONG_ROW_WARNINGS} more rows have more cells than the header.`);
      } finally {
        await close();
      }
    }

    return {
      label: `${request.dataSource.name} > ${basename(path)}`,
      columns: plan.locations,
      // Grows while reading: long rows are only found as they stream by.
      warnings,
      batches,
      close,
    };
  }

  return {
    type: 'csv',
    capabilities: { incremental: false, streaming: true, deletes: false, lookup: false },
    open,
  };
}
