import { SourceError, formatMessage } from '../errors.js';
import type { ColumnMappingConfig } from '../config/schema.js';
import type { ColumnLocation } from '../strategy.js';
import { columnIndexOfLetter, columnLetter } from './column-letters.js';

/** The mapped columns of a file, resolved against its header row. */
export interface CsvColumnPlan {
  /** Cell index of each mapped source column. */
  indexes: ReadonlyMap<string, number>;
  /** Location of each mapped source column, for lineage and errors. */
  locations: ReadonlyMap<string, ColumnLocation>;
  /** Blank and duplicate headers. */
  warnings: string[];
}

/** Header text as compared with mappings: trimmed, inner whitespace collapsed, lower case. */
export function normalizeHeader(header: string): string {
  return header.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Matches mapped columns to a header row: by header name (case- and whitespace-insensitive),
 * else by column letter (`B`). Throws `SOURCE_SCHEMA_MISMATCH` naming the file, every missing
 * column and the headers found.
 */
export function planCsvColumns(options: { headers: ReadonlyArray<string>; columns: ReadonlyArray<ColumnMappingConfig>; file: string; headerRow: number; scope: string }): CsvColumnPlan {
  const { headers, file, headerRow } = options;
  const warnings: string[] = [];
  const byName = new Map<string, number>();
  headers.forEach((header, index) => {
    const normalized = normalizeHeader(header);
    if (normalized === '') {
      warnings.push(`${file}: column ${columnLetter(index)} has no header in row ${headerRow}; map it by letter ('${columnLetter(index)}') to read it.`);
      return;
    }
    const first = byName.get(normalized);
    if (first !== undefined) {
      warnings.push(`${file}: columns ${columnLetter(first)} and ${columnLetter(index)} both have the header '${header.trim()}'; column ${columnLetter(first)} is read. Rename one of them.`);
      return;
    }
    byName.set(normalized, index);
  });

  const indexes = new Map<string, number>();
  const locations = new Map<string, ColumnLocation>();
  const missing: string[] = [];
  for (const column of options.columns) {
    const letterIndex = columnIndexOfLetter(column.sourceColumn.trim());
    const index = byName.get(normalizeHeader(column.sourceColumn)) ?? (letterIndex !== undefined && letterIndex < headers.length ? letterIndex : undefined);
    if (index === undefined) {
      missing.push(column.sourceColumn);
      continue;
    }
    const letter = columnLetter(index);
    const header = headers[index]?.trim() ?? '';
    indexes.set(column.sourceColumn, index);
    locations.set(column.sourceColumn, { label: header === '' ? letter : `${letter} (${header})`, letter });
  }
  if (missing.length > 0) {
    const found = headers.map((header) => header.trim()).filter((header) => header !== '');
    throw new SourceError(
      'SOURCE_SCHEMA_MISMATCH',
      formatMessage(
        options.scope,
        `${file} has no column ${missing.map((name) => `'${name}'`).join(', ')} in header row ${headerRow}. Headers found: ${found.map((name) => `'${name}'`).join(', ') || '(none)'}.`,
        'Fix sourceColumn in the mapping (a header name or a column letter), or tab.headerRow if the headers are on another row.',
      ),
      { details: { file, missing, headers: found, headerRow } },
    );
  }
  return { indexes, locations, warnings };
}
