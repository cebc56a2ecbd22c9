/**
 * Matches mapped columns to a tab's header row: by header name (case- and whitespace-insensitive)
 * or by column letter (`B`). Blank and duplicate headers become warnings; a mapped column that
 * is not there is a fatal `SOURCE_SCHEMA_MISMATCH`, raised before any row is read.
 */
import { formatMessage, SourceError } from '@fieldsync/core';
import type { ColumnLocation } from '@fieldsync/core';
import { columnLetter, columnNumber } from './a1-notation.js';

/** Where a mapped column is. */
export interface ResolvedColumn {
  /** The mapping's `sourceColumn`, the key of `SourceRow.values`. */
  sourceColumn: string;
  /** 0-based index in a row of values. */
  index: number;
  location: ColumnLocation;
}

/** What {@link resolveColumns} found. */
export interface ColumnResolution {
  columns: ResolvedColumn[];
  warnings: string[];
}

/** What the tab is, for messages. */
export interface TabDescription {
  /** `Master Sheet > Partners` */
  label: string;
  tabTitle: string;
  headerRow: number;
  columnCount: number;
}

/** Normal form of a header for matching: trimmed, inner whitespace collapsed, lower case. */
export function normalizeHeader(header: unknown): string {
  if (header === null || header === undefined) return '';
  return String(header).trim().replace(/\s+/g, ' ').toLowerCase();
}

function headerText(header: unknown): string {
  return header === null || header === undefined ? '' : String(header).trim();
}

/**
 * Resolves each mapped `sourceColumn` against the header row.
 *
 * A header match wins over a letter; a `sourceColumn` of one to three capital letters that matches
 * no header is read as a column letter, if the grid has that column.
 */
export function resolveColumns(headers: ReadonlyArray<unknown>, sourceColumns: ReadonlyArray<string>, tab: TabDescription): ColumnResolution {
  const warnings: string[] = [];
  const firstIndexByHeader = new Map<string, number>();
  const duplicates = new Map<string, number[]>();
  headers.forEach((header, index) => {
    const normal = normalizeHeader(header);
    if (normal === '') {
      warnings.push(`${tab.label}: column ${columnLetter(index + 1)} has a blank header (row ${tab.headerRow}); it can only be mapped by its letter.`);
      return;
    }
    const first = firstIndexByHeader.get(normal);
    if (first === undefined) {
      firstIndexByHeader.set(normal, index);
    } else {
      duplicates.set(normal, [...(duplicates.get(normal) ?? [first]), index]);
    }
  });
  for (const indexes of duplicates.values()) {
    const letters = indexes.map((index) => columnLetter(index + 1));
    warnings.push(
      `${tab.label}: the header "${headerText(headers[indexes[0]!])}" appears in columns ${letters.join(', ')} (row ${tab.headerRow}); mappings by name read column ${letters[0]}.`,
    );
  }

  const columns: ResolvedColumn[] = [];
  const missing: string[] = [];
  for (const sourceColumn of new Set(sourceColumns)) {
    let index = firstIndexByHeader.get(normalizeHeader(sourceColumn));
    if (index === undefined && /^[A-Z]{1,3}$/.test(sourceColumn)) {
      const number = columnNumber(sourceColumn);
      if (number !== undefined && number <= tab.columnCount) index = number - 1;
    }
    if (index === undefined) {
      missing.push(sourceColumn);
      continue;
    }
    const letter = columnLetter(index + 1);
    const header = headerText(headers[index]);
    columns.push({ sourceColumn, index, location: { label: header === '' ? letter : `${letter} (${header})`, letter } });
  }

  if (missing.length > 0) {
    const found = headers
      .map((header, index) => (headerText(header) === '' ? undefined : `${columnLetter(index + 1)} "${headerText(header)}"`))
      .filter((entry): entry is string => entry !== undefined);
    const names = missing.map((name) => `"${name}"`).join(', ');
    throw new SourceError(
      'SOURCE_SCHEMA_MISMATCH',
      formatMessage(
        'google-sheets',
        `${tab.label}: mapped column${missing.length > 1 ? 's' : ''} ${names} ${missing.length > 1 ? 'are' : 'is'} not in the header row (row ${tab.headerRow}) of tab "${tab.tabTitle}". Headers found: ${found.length > 0 ? found.join(', ') : 'none'}.`,
        'If the column was renamed or moved, update the column mapping (sourceColumn takes a header name or a column letter such as "B"); if the header row is not row 1, set the tab mapping\'s headerRow.',
      ),
      { details: { tab: tab.tabTitle, missingColumns: missing, headers: headers.map(headerText), headerRow: tab.headerRow } },
    );
  }
  return { columns, warnings };
}
