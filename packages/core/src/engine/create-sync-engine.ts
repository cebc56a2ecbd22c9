import pLimit from 'p-limit';
import { z } from 'zod';
import { staticConfig, type ConfigLoader } from '../config/config-loader.js';
import { isValidUuid, stableUuid } from '../config/ids.js';
import { parseMappingConfig } from '../config/parse-config.js';
import type { DataSourceConfig, MappingConfig } from '../config/schema.js';
import { ConfigurationError, describeError, FieldsyncError, formatMessage } from '../errors.js';
import { emptyStats } from '../runs.js';
import type { SyncStrategy } from '../strategy.js';
import { createTransformerRegistry, parseTransformOptions } from '../transformers/registry.js';
import { defaultReconciler } from './default-reconciler.js';
import { failedRunIds, runTab } from './run-tab.js';
import { planTab } from './tab-plan.js';
import type { SyncEngine, SyncEngineOptions, SyncOptions, SyncResult, TabFailure } from './types.js';

const numericOptions = z.object({
  batchSize: z.number().int().min(1).max(50_000).default(500),
  concurrency: z.number().int().min(1).max(64).default(2),
  maxStoredErrors: z.number().int().min(0).default(100),
  staleRunAfterMs: z.number().int().min(1000).default(300_000),
});

function isLoader(config: MappingConfig | ConfigLoader): config is ConfigLoader {
  return typeof (config as ConfigLoader).load === 'function';
}

/**
 * Creates the sync engine: one per app, composed from a store, strategies and a mapping.
 *
 * @example
 * const engine = createSyncEngine({
 *   store: postgresStore({ connectionString: process.env.DATABASE_URL }),
 *   strategies: [googleSheets({ auth })],
 *   config: mapping, // from defineMapping, or postgresConfigLoader(...)
 * });
 * const result = await engine.syncTab('partners-tab', { dryRun: true });
 */
export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  if (!options || typeof options !== 'object' || !options.store) {
    throw new ConfigurationError(formatMessage('engine', 'Missing option store.', 'Pass one to createSyncEngine({ store }), e.g. memoryStore() or postgresStore().'));
  }
  if (!options.config) {
    throw new ConfigurationError(formatMessage('engine', 'Missing option config.', 'Pass a mapping from defineMapping(...) or a config loader to createSyncEngine({ config }).'));
  }
  const parsed = numericOptions.safeParse({
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    maxStoredErrors: options.maxStoredErrors,
    staleRunAfterMs: options.staleRunAfterMs,
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new ConfigurationError(formatMessage('engine', `Invalid engine options: ${issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}.`, 'Fix them in createSyncEngine({ ... }).'), { issues });
  }
  const settings = parsed.data;
  const store = options.store;
  const strategies = new Map<string, SyncStrategy>();
  if (Array.isArray(options.strategies)) for (const strategy of options.strategies) strategies.set(strategy.type, strategy);
  else for (const [name, strategy] of Object.entries(options.strategies as Record<string, SyncStrategy>)) strategies.set(name, strategy);
  const transformers = createTransformerRegistry(options.transformers ?? []);
  const loader: ConfigLoader = isLoader(options.config) ? options.config : staticConfig(parseMappingConfig(options.config));
  const log = options.logger ?? (() => undefined);
  let initialized: Promise<void> | undefined;
  let disposed = false;

  const strategyFor = (dataSource: DataSourceConfig): SyncStrategy => {
    const strategy = strategies.get(dataSource.id) ?? strategies.get(dataSource.type);
    if (!strategy) {
      throw new ConfigurationError(
        formatMessage('engine', `No strategy for data source '${dataSource.name}' of type '${dataSource.type}'.`, `Pass one to createSyncEngine({ strategies: [...] }); registered types: ${[...strategies.keys()].join(', ') || 'none'}.`),
        { code: 'STRATEGY_NOT_FOUND' },
      );
    }
    return strategy;
  };

  const ready = async () => {
    if (disposed) throw new FieldsyncError('DISPOSED', formatMessage('engine', 'This engine was disposed.', 'Create a new engine with createSyncEngine().'));
    initialized ??= Promise.resolve(store.init?.()).catch((error: unknown) => {
      initialized = undefined;
      throw error;
    });
    await initialized;
  };

  const checkOptions = (syncOptions: SyncOptions) => {
    if (syncOptions.triggeredBy != null && !isValidUuid(syncOptions.triggeredBy)) {
      throw new ConfigurationError(formatMessage('engine', `triggeredBy must be a user UUID, got '${syncOptions.triggeredBy}'.`, 'Pass the acting user id, or null for a system run.'));
    }
    if (syncOptions.forceOverwrite && !syncOptions.triggeredBy) {
      throw new ConfigurationError(formatMessage('engine', 'forceOverwrite ignores authority rules and needs an acting user.', 'Pass triggeredBy: <admin user id> with forceOverwrite: true.'));
    }
    if (syncOptions.rowLimit !== undefined && (!Number.isInteger(syncOptions.rowLimit) || syncOptions.rowLimit < 0)) {
      throw new ConfigurationError(formatMessage('engine', `rowLimit must be a whole number of rows, got ${syncOptions.rowLimit}.`, 'Pass a non-negative integer or leave it out.'));
    }
  };

  const syncTab = async (tabMappingId: string, syncOptions: SyncOptions = {}): Promise<SyncResult> => {
    await ready();
    checkOptions(syncOptions);
    const config = await loader.load();
    const id = stableUuid(tabMappingId);
    const tab = config.tabMappings.find((candidate) => candidate.id === id);
    if (!tab) {
      throw new ConfigurationError(formatMessage('engine', `No tab mapping '${tabMappingId}'.`, `Check the id; configured tabs: ${config.tabMappings.map((candidate) => candidate.tabName).join(', ') || 'none'}.`), {
        code: 'MAPPING_NOT_FOUND',
      });
    }
    const plan = await planTab({
      config,
      tab,
      strategies: strategyFor,
      transformers,
      parseOptions: parseTransformOptions,
      derivations: options.derivations ?? {},
      store,
    });
    if (syncOptions.ids && !plan.strategy.capabilities.lookup) {
      throw new ConfigurationError(formatMessage('engine', `Strategy '${plan.strategy.type}' cannot read single records by id.`, 'Sync the whole tab instead of passing ids.'));
    }
    return runTab({ store, reconciler: options.reconciler ?? defaultReconciler, batchSize: settings.batchSize, maxStoredErrors: settings.maxStoredErrors, staleRunAfterMs: settings.staleRunAfterMs, rowFingerprints: options.rowFingerprints ?? true, flushWhenIdle: options.flushWhenIdle ?? store.capabilities.remote ?? false, log }, plan, syncOptions);
  };

  const syncDataSource = async (dataSourceId: string, syncOptions: SyncOptions = {}): Promise<Array<SyncResult | TabFailure>> => {
    await ready();
    checkOptions(syncOptions);
    const config = await loader.load();
    const id = stableUuid(dataSourceId);
    if (!config.dataSources.some((source) => source.id === id)) {
      throw new ConfigurationError(formatMessage('engine', `No data source '${dataSourceId}'.`, `Check the id; configured sources: ${config.dataSources.map((source) => source.name).join(', ') || 'none'}.`), {
        code: 'MAPPING_NOT_FOUND',
      });
    }
    const limit = pLimit(settings.concurrency);
    const tabs = config.tabMappings.filter((tab) => tab.dataSourceId === id && tab.status === 'active');
    const dataSource = config.dataSources.find((source) => source.id === id)!;
    const strategy = strategyFor(dataSource); // a missing strategy fails the call, not each tab
    try {
      strategy.prepare?.({ dataSource, tabs });
    } catch (error) {
      log({ level: 'warn', message: `Strategy '${strategy.type}' could not prepare the tabs; they are read one by one: ${describeError(error).message}` });
    }
    return Promise.all(
      tabs.map((tab) =>
        limit(async (): Promise<SyncResult | TabFailure> => {
          try {
            return await syncTab(tab.id, syncOptions);
          } catch (error) {
            return {
              success: false,
              syncRunId: (typeof error === 'object' && error !== null && failedRunIds.get(error)) || null,
              tabMappingId: tab.id,
              dryRun: syncOptions.dryRun ?? false,
              stats: { ...emptyStats(), errors: [] },
              changes: [],
              conflicts: [],
              warnings: [],
              failure: describeError(error),
              timings: { read: 0, transform: 0, load: 0, reconcile: 0, write: 0, total: 0 },
            };
          }
        }),
      ),
    );
  };

  return {
    store,
    syncTab,
    syncDataSource,
    loadConfig: () => loader.load(),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.allSettled([...new Set(strategies.values())].map((strategy) => strategy.dispose?.()));
      await store.close?.();
    },
  };
}
