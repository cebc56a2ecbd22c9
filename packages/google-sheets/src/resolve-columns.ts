/**
 * Matches mapped columns to a tab's header row: by header name (case- and whitespace-insensitive)
 * or, written explicitly as `column:B`, by column letter. Blank and duplicate headers become
 * warnings; a mapped column that is not there is a fatal `SOURCE_SCHEMA_MISMATCH`, raised before
 * any row is read.
 *
 * A bare `B` or `ID` is only ever a header name: when no header matches it, it is missing. It is
 * never read as a column letter by fallback, since a renamed header `ID` would then silently read
 * whatever is in column ID.
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

/** For missing names that look like column letters: how to read them by letter, explicitly. */
function letterHint(missing: ReadonlyArray<string>, columnCount: number): string {
  const letters = missing.filter((name) => {
    if (!/^[A-Z]{1,3}$/.test(name)) return false;
    const number = columnNumber(name);
    return number !== undefined && number <= columnCount;
  });
  if (letters.length === 0) return '';
  return ` A bare ${letters.map((name) => `"${name}"`).join(', ')} is a header name, never a column letter: to read a column by its letter, write sourceColumn "column:${letters[0]}".`;
}

function headerText(header: unknown): string {
  return header === null || header === undefined ? '' : String(header).trim();
}

/** `column:B` (any case, spaces allowed after the colon): an explicit column letter. */
const LETTER_MAPPING = /^column:\s*([A-Za-z]{1,3})$/i;

/** The column letter of an explicit letter mapping (`column:B` -> `B`), or undefined. */
export function explicitColumnLetter(sourceColumn: string): string | undefined {
  return LETTER_MAPPING.exec(sourceColumn.trim())?.[1]?.toUpperCase();
}

/**
 * Resolves each mapped `sourceColumn` against the header row.
 *
 * A header match wins; `column:B` reads column B by its letter, if the grid has that column.
 */
export function resolveColumns(headers: ReadonlyArray<unknown>, sourceColumns: ReadonlyArray<string>, tab: TabDescription): ColumnResolution {
  const warnings: string[] = [];
  const firstIndexByHeader = new Map<string, number>();
  const duplicates = new Map<string, number[]>();
  headers.forEach((header, index) => {
    const normal = normalizeHeader(header);
    if (normal === '') {
      warnings.push(`${tab.label}: column ${columnLetter(index + 1)} has a blank header (row ${tab.headerRow}); it can only be mapped by its letter (sourceColumn "column:${columnLetter(index + 1)}").`);
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
    const letter = index === undefined ? explicitColumnLetter(sourceColumn) : undefined;
    if (letter !== undefined) {
      const number = columnNumber(letter);
      if (number !== undefined && number <= tab.columnCount) index = number - 1;
    }
    if (index === undefined) {
      missing.push(sourceColumn);
      continue;
    }
    const at = columnLetter(index + 1);
    const header = headerText(headers[index]);
    columns.push({ sourceColumn, index, location: { label: header === '' ? at : `${at} (${header})`, letter: at } });
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
        `If the column was renamed or moved, update the column mapping (sourceColumn takes a header name, or a column letter written as "column:B"); if the header row is not row 1, set the tab mapping's headerRow.${letterHint(missing, tab.columnCount)}`,
      ),
      { details: { tab: tab.tabTitle, missingColumns: missing, headers: headers.map(headerText), headerRow: tab.headerRow } },
    );
  }
  return { columns, warnings };
}
