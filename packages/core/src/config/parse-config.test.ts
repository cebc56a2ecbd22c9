import { describe, expect, it } from 'vitest';
import { ConfigurationError, FieldsyncError } from '../errors.js';
import { defineMapping } from './define-mapping.js';
import { stableUuid } from './ids.js';
import { parseMappingConfig } from './parse-config.js';

describe('parseMappingConfig', () => {
  it('parseMappingConfig - one error lists every bad path with its fix', () => {
    let caught: unknown;
    try {
      parseMappingConfig({
        dataSources: [{ id: 'a', name: 'A', type: 'google_sheet' }],
        tabMappings: [
          { id: 't1', dataSourceId: 'missing', tabName: 'Partners', primaryEntity: 'partners; drop table x' },
          { id: 't2', dataSourceId: 'a', tabName: 'Staff', primaryEntity: 'staff', deletePolicy: 'mark' },
        ],
        columnMappings: [{ tabMappingId: 't1', sourceColumn: 'Code', targetField: 'code', isKey: true, authority: 'boss' }],
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    const error = caught as ConfigurationError;
    expect(error.issues.map((issue) => issue.path)).toEqual(['tabMappings[0].primaryEntity', 'columnMappings[0].authority']);
    expect(error.message).toContain('tabMappings[0].primaryEntity');
    expect(error.message).toMatch(/^\[fieldsync\] \[config\]/);
  });

  it('parseMappingConfig - cross-reference problems are all reported together', () => {
    const attempt = () =>
      parseMappingConfig({
        dataSources: [{ id: 'a', name: 'A', type: 'csv' }],
        tabMappings: [
          { id: 't1', dataSourceId: 'missing', tabName: 'Partners', primaryEntity: 'partners' },
          { id: 't2', dataSourceId: 'a', tabName: 'Staff', primaryEntity: 'staff', deletePolicy: 'mark' },
        ],
        columnMappings: [
          { tabMappingId: 't1', sourceColumn: 'Code', targetField: 'code', isKey: true },
          { tabMappingId: 't1', sourceColumn: 'Code 2', targetField: 'code' },
          { tabMappingId: 'nowhere', sourceColumn: 'X', targetField: 'x' },
        ],
      });
    expect(attempt).toThrow(ConfigurationError);
    try {
      attempt();
    } catch (error) {
      const paths = (error as ConfigurationError).issues.map((issue) => issue.path);
      expect(paths).toEqual(['tabMappings[0].dataSourceId', 'columnMappings[1].targetField', 'tabMappings[1].deleteMarkerField', 'tabMappings[1]', 'columnMappings[2].tabMappingId']);
    }
  });

  it('defineMapping - fills defaults and maps slugs to stable UUIDs', () => {
    const config = defineMapping<{ partners: { code: string; tier: string } }>({
      dataSources: [{ id: 'sheet', name: 'Sheet', type: 'csv', tabs: [{ id: 'tab', tabName: 'P', entity: 'partners', columns: { Code: { field: 'code', key: true }, Tier: { field: 'tier', priority: 3 } } }] }],
      fields: { partners: { tier: { sourcePriority: { sheet: 7 } } } },
    });
    expect(config.tabMappings[0]).toMatchObject({ id: stableUuid('tab'), dataSourceId: stableUuid('sheet'), status: 'active', headerRow: 1, mode: 'full', deletePolicy: 'ignore' });
    expect(config.columnMappings[1]).toMatchObject({ authority: 'source_of_truth', sourcePriority: 3, isKey: false });
    expect(config.computedFields[0]?.sourcePriority).toEqual({ [stableUuid('sheet')]: 7 });
    expect(stableUuid('tab')).toBe(stableUuid('tab'));
    expect(stableUuid('tab')).not.toBe(stableUuid('tab2'));
    expect(parseMappingConfig(config)).toEqual(config);
  });

  it('FieldsyncError.isInstance - recognises errors from another copy of the package by brand', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('fieldsync.error')]: true, code: 'SYNC_LOCKED' });
    expect(FieldsyncError.isInstance(foreign)).toBe(true);
    expect(FieldsyncError.isInstance(new Error('plain'))).toBe(false);
  });

  it('defineMapping - errors name the places as written in the definition', () => {
    const attempt = () =>
      defineMapping({
        dataSources: [
          {
            id: 'sheet',
            name: 'Sheet',
            type: 'csv',
            tabs: [
              { id: 'a', tabName: 'A', entity: 'partners', columns: { Code: { field: 'code', key: true }, Tier: { field: 'tier', authority: 'boss' as never } } },
              { id: 'b', tabName: 'B', entity: 'bad name', columns: { Code: { field: 'code' } } },
            ],
          },
        ],
      });
    expect(attempt).toThrow(ConfigurationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigurationError).issues.map((issue) => issue.path)).toEqual(['dataSources[0].tabs[1].entity', 'dataSources[0].tabs[0].columns["Tier"].authority']);
      expect((error as Error).message).toContain('dataSources[0].tabs[0].columns["Tier"].authority');
    }
  });
});
