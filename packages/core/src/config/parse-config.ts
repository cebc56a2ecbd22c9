import type { z } from 'zod';
import { ConfigurationError, formatMessage } from '../errors.js';
import { mappingConfigSchema, type MappingConfig, type MappingConfigInput } from './schema.js';

interface Issue {
  path: string;
  message: string;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Cross-reference checks that one object's schema cannot see. */
function crossCheck(config: MappingConfig): Issue[] {
  const issues: Issue[] = [];
  const sourceIds = new Set(config.dataSources.map((source) => source.id));
  const tabIds = new Set<string>();
  config.dataSources.forEach((source, index) => {
    if (config.dataSources.findIndex((other) => other.id === source.id) !== index) {
      issues.push({ path: `dataSources[${index}].id`, message: `duplicate data source id; give each data source its own id` });
    }
  });
  config.tabMappings.forEach((tab, index) => {
    if (tabIds.has(tab.id)) issues.push({ path: `tabMappings[${index}].id`, message: 'duplicate tab mapping id; give each tab its own id' });
    tabIds.add(tab.id);
    if (!sourceIds.has(tab.dataSourceId)) {
      issues.push({ path: `tabMappings[${index}].dataSourceId`, message: 'names no data source in dataSources; add the data source or fix the id' });
    }
    if (tab.deletePolicy === 'mark' && !tab.deleteMarkerField) {
      issues.push({ path: `tabMappings[${index}].deleteMarkerField`, message: "is required when deletePolicy is 'mark'; name the timestamp field to set, e.g. 'deleted_at'" });
    }
    const columns = config.columnMappings.map((column, columnIndex) => ({ column, columnIndex })).filter(({ column }) => column.tabMappingId === tab.id);
    const keys = columns.filter(({ column }) => column.isKey);
    if (keys.length !== 1) {
      issues.push({
        path: `tabMappings[${index}]`,
        message: keys.length === 0 ? `tab '${tab.tabName}' has no key column; mark exactly one column mapping with isKey: true` : `tab '${tab.tabName}' has ${keys.length} key columns; mark exactly one column mapping with isKey: true`,
      });
    }
    const seenFields = new Map<string, number>();
    for (const { column, columnIndex } of columns) {
      if (column.isKey && column.targetField === null) {
        issues.push({ path: `columnMappings[${columnIndex}].targetField`, message: 'the key column needs a targetField: the entity field that identifies the row' });
      }
      if (column.isKey && column.authority === 'derived') {
        issues.push({ path: `columnMappings[${columnIndex}].authority`, message: "the key column cannot be 'derived'; use 'source_of_truth'" });
      }
      if (column.targetField !== null) {
        const previous = seenFields.get(column.targetField);
        if (previous !== undefined) {
          issues.push({ path: `columnMappings[${columnIndex}].targetField`, message: `field '${column.targetField}' is already mapped from columnMappings[${previous}] in the same tab; map each field once per tab` });
        } else seenFields.set(column.targetField, columnIndex);
      }
    }
  });
  config.columnMappings.forEach((column, index) => {
    if (!tabIds.has(column.tabMappingId)) {
      issues.push({ path: `columnMappings[${index}].tabMappingId`, message: 'names no tab in tabMappings; add the tab or fix the id' });
    }
  });
  return issues;
}

/**
 * Validates a whole configuration and resolves its defaults and ids.
 * Throws one {@link ConfigurationError} that lists every bad path and its fix.
 */
export function parseMappingConfig(input: MappingConfigInput | unknown, origin = 'mapping'): MappingConfig {
  const parsed = mappingConfigSchema.safeParse(input);
  const issues = parsed.success ? crossCheck(parsed.data) : zodIssues(parsed.error);
  if (issues.length > 0 || !parsed.success) {
    const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`).join('\n');
    throw new ConfigurationError(formatMessage('config', `Invalid ${origin} configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines}`), {
      issues,
    });
  }
  return parsed.data;
}
