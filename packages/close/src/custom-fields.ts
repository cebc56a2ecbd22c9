import { SourceError, formatMessage } from '@fieldsync/core';
import type { CloseClient } from './close-client.js';
import { isCustomFieldId, nestedObjectType, parseFieldPath } from './field-path.js';
import type { CloseObjectType, PathSegment } from './field-path.js';

/** A custom field definition, as `GET /custom_field/{type}/` lists it (the fields the strategy uses). */
export interface CustomFieldDefinition {
  id: string;
  name: string;
  type: string;
  accepts_multiple_values?: boolean;
}

/** A mapped source column, resolved against the organisation's custom fields. */
export interface ResolvedColumn {
  sourceColumn: string;
  /** The path with custom field names replaced by ids. */
  segments: PathSegment[];
  /** Top-level field to ask for in `_fields`: `name`, `contacts`, `custom.cf_...`. */
  topLevelField: string;
  /** Shown in lineage and errors, e.g. `custom.cf_x (Industry)`. */
  label: string;
}

/** Pages through `GET /custom_field/{type}/`. */
export async function listCustomFields(client: CloseClient, objectType: CloseObjectType, signal?: AbortSignal): Promise<CustomFieldDefinition[]> {
  const fields: CustomFieldDefinition[] = [];
  const limit = 100;
  for (let skip = 0; ; skip += limit) {
    const page = await client.request<{ data?: unknown; has_more?: unknown }>({ path: `/custom_field/${objectType}/`, query: { _limit: limit, _skip: skip }, ...(signal ? { signal } : {}) });
    const data = Array.isArray(page.data) ? page.data : [];
    for (const item of data) {
      if (item && typeof item === 'object' && typeof (item as CustomFieldDefinition).id === 'string' && typeof (item as CustomFieldDefinition).name === 'string') {
        fields.push(item as CustomFieldDefinition);
      }
    }
    if (page.has_more !== true || data.length === 0) return fields;
  }
}

/** Which object types' custom fields the given source columns need. */
export function customFieldTypesNeeded(objectType: CloseObjectType, sourceColumns: ReadonlyArray<string>): Set<CloseObjectType> {
  const types = new Set<CloseObjectType>();
  for (const column of sourceColumns) {
    const parsed = parseFieldPath(column);
    if (!parsed.ok) continue;
    let current: CloseObjectType | null = objectType;
    for (const segment of parsed.path.segments) {
      if (segment.kind === 'custom' && current) types.add(current);
      else if (segment.kind === 'key') current = nestedObjectType(current, segment.name);
    }
  }
  return types;
}

/**
 * Resolves every mapped column: parses its path and replaces custom field names by ids.
 * Unknown custom fields and unreadable paths are collected, then thrown as one
 * `SOURCE_SCHEMA_MISMATCH` naming each of them.
 */
export function resolveColumns(
  objectType: CloseObjectType,
  sourceColumns: ReadonlyArray<string>,
  definitions: ReadonlyMap<CloseObjectType, ReadonlyArray<CustomFieldDefinition>>,
): ResolvedColumn[] {
  const problems: string[] = [];
  const resolved: ResolvedColumn[] = [];
  for (const column of sourceColumns) {
    const parsed = parseFieldPath(column);
    if (!parsed.ok) {
      problems.push(parsed.error);
      continue;
    }
    let current: CloseObjectType | null = objectType;
    let label: string | null = null;
    let failed = false;
    const segments: PathSegment[] = [];
    for (const segment of parsed.path.segments) {
      if (segment.kind !== 'custom') {
        segments.push(segment);
        if (segment.kind === 'key') current = nestedObjectType(current, segment.name);
        continue;
      }
      if (!current) {
        problems.push(`"${column}": custom fields can be read on a lead, contact or opportunity, or inside a lead's contacts[n] or opportunities[n].`);
        failed = true;
        break;
      }
      const fields = definitions.get(current) ?? [];
      const match = isCustomFieldId(segment.reference)
        ? fields.find((field) => field.id === segment.reference)
        : (fields.find((field) => field.name === segment.reference) ?? fields.find((field) => field.name.toLowerCase() === segment.reference.toLowerCase()));
      if (!match) {
        const known = fields.map((field) => field.name).slice(0, 20);
        problems.push(`"${column}": no ${current} custom field ${isCustomFieldId(segment.reference) ? 'with id' : 'named'} "${segment.reference}" (${current} custom fields: ${known.length > 0 ? known.map((name) => `"${name}"`).join(', ') : 'none'}).`);
        failed = true;
        break;
      }
      segments.push({ kind: 'custom', reference: match.id });
      label = segments.length === 1 ? `custom.${match.id} (${match.name})` : `${column} (custom.${match.id})`;
    }
    if (failed) continue;
    const first = segments[0];
    const topLevelField = first === undefined ? column : first.kind === 'custom' ? `custom.${first.reference}` : first.kind === 'key' ? first.name : column;
    resolved.push({ sourceColumn: column, segments, topLevelField, label: label ?? column });
  }
  if (problems.length > 0) {
    throw new SourceError(
      'SOURCE_SCHEMA_MISMATCH',
      formatMessage('close', `Mapped ${objectType} columns do not exist in Close: ${problems.join(' ')}`, 'Fix the source column (custom.<field name>, custom.cf_<id>, or a path such as contacts[0].emails[0].email), or create the custom field in Close.'),
      { details: { objectType, problems } },
    );
  }
  return resolved;
}
