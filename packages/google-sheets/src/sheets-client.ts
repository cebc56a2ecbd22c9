/**
 * The small slice of the Sheets v4 client the strategy calls, typed structurally so a client from
 * `googleapis` (`google.sheets({ version: 'v4', auth })`) or `@googleapis/sheets` fits without this
 * package importing either.
 */

/**
 * gaxios' per-call retry settings. A client created with `retryConfig` (or `google.options({ retryConfig })`)
 * retries even when `retry: false` is passed, so every call also sends {@link NO_GAXIOS_RETRIES}.
 */
export interface SheetsCallRetryConfig {
  retry?: number;
  noResponseRetries?: number;
  shouldRetry?: () => boolean;
}

/** Per-call options passed as the second argument of a googleapis method. */
export interface SheetsCallOptions {
  /** Always `false`: the strategy retries 429 and 5xx itself, in one layer, with backoff. */
  retry?: boolean;
  /** Always {@link NO_GAXIOS_RETRIES}: overrides a `retryConfig` the host's client was created with. */
  retryConfig?: SheetsCallRetryConfig;
  signal?: AbortSignal;
}

/**
 * What turns gaxios' own retries off whatever the client's defaults: `retry: false` alone does
 * not when the client (or `google.options`) carries a `retryConfig`, since gaxios retries whenever
 * a `retryConfig` is present. googleapis deep-merges this over the client's `retryConfig`: no
 * retries, no retries without a response, and a `shouldRetry` that replaces a host's own.
 */
export const NO_GAXIOS_RETRIES: Readonly<SheetsCallRetryConfig> = Object.freeze({ retry: 0, noResponseRetries: 0, shouldRetry: () => false });

/** `spreadsheets.get` answer, trimmed by the strategy's `fields` mask. Google omits false and empty values. */
export interface SpreadsheetResource {
  spreadsheetId?: string | null;
  properties?: { title?: string | null; locale?: string | null; timeZone?: string | null } | null;
  sheets?: Array<{
    properties?: {
      sheetId?: number | null;
      title?: string | null;
      index?: number | null;
      hidden?: boolean | null;
      /** `GRID`, or `OBJECT` for a chart sheet (which has no grid properties). */
      sheetType?: string | null;
      gridProperties?: { rowCount?: number | null; columnCount?: number | null } | null;
    } | null;
  }> | null;
}

/** One `ValueRange`: there is no `values` key when the range holds nothing. */
export interface ValueRangeResource {
  range?: string | null;
  majorDimension?: string | null;
  values?: unknown[][] | null;
}

/** `values.batchGet` answer: value ranges in request order. */
export interface BatchGetResource {
  spreadsheetId?: string | null;
  valueRanges?: ValueRangeResource[] | null;
}

/** Parameters of `spreadsheets.get` the strategy sends. */
export interface SpreadsheetGetParams {
  spreadsheetId: string;
  includeGridData?: boolean;
  fields?: string;
}

/** Parameters of `values.batchGet` the strategy sends. */
export interface BatchGetParams {
  spreadsheetId: string;
  ranges: string[];
  majorDimension?: string;
  valueRenderOption?: string;
  dateTimeRenderOption?: string;
}

/**
 * What the strategy needs of a Sheets client: `spreadsheets.get` and `spreadsheets.values.batchGet`.
 * `google.sheets({ version: 'v4', auth })` from `googleapis` fits.
 */
export interface SheetsClient {
  spreadsheets: {
    get(params: SpreadsheetGetParams, options: SheetsCallOptions): Promise<{ data: SpreadsheetResource }>;
    values: {
      batchGet(params: BatchGetParams, options: SheetsCallOptions): Promise<{ data: BatchGetResource }>;
    };
  };
}

/**
 * An authenticated HTTP client, such as any google-auth-library client (`OAuth2Client`, `JWT`,
 * `GoogleAuth#getClient()`): the strategy calls the Sheets REST API through its `request` when no
 * `client` is given.
 */
export interface SheetsAuthClient {
  request(options: { url: string; method: 'GET'; retry?: boolean; retryConfig?: SheetsCallRetryConfig; signal?: AbortSignal; responseType?: 'json' }): Promise<{ data: unknown }>;
}

/** Google's REST root. */
export const DEFAULT_ROOT_URL = 'https://sheets.googleapis.com/';

/** A {@link SheetsClient} over an auth client's `request`, for hosts that pass `auth` rather than a client. */
export function sheetsClientFromAuth(auth: SheetsAuthClient, rootUrl: string = DEFAULT_ROOT_URL): SheetsClient {
  const base = rootUrl.endsWith('/') ? rootUrl : `${rootUrl}/`;
  const get = async <T>(path: string, query: URLSearchParams, options: SheetsCallOptions): Promise<{ data: T }> => {
    const requestOptions: Parameters<SheetsAuthClient['request']>[0] = {
      url: `${base}${path}?${query.toString()}`,
      method: 'GET',
      retry: false,
      retryConfig: { ...NO_GAXIOS_RETRIES },
      responseType: 'json',
    };
    if (options.signal) requestOptions.signal = options.signal;
    const response = await auth.request(requestOptions);
    return { data: response.data as T };
  };
  return {
    spreadsheets: {
      get(params, options) {
        const query = new URLSearchParams();
        if (params.includeGridData !== undefined) query.set('includeGridData', String(params.includeGridData));
        if (params.fields !== undefined) query.set('fields', params.fields);
        return get<SpreadsheetResource>(`v4/spreadsheets/${encodeURIComponent(params.spreadsheetId)}`, query, options);
      },
      values: {
        batchGet(params, options) {
          const query = new URLSearchParams();
          for (const range of params.ranges) query.append('ranges', range);
          if (params.majorDimension) query.set('majorDimension', params.majorDimension);
          if (params.valueRenderOption) query.set('valueRenderOption', params.valueRenderOption);
          if (params.dateTimeRenderOption) query.set('dateTimeRenderOption', params.dateTimeRenderOption);
          return get<BatchGetResource>(`v4/spreadsheets/${encodeURIComponent(params.spreadsheetId)}/values:batchGet`, query, options);
        },
      },
    },
  };
}

/**
 * The credentials object of a googleapis client, if it exposes one: the client's own
 * (`google.sheets({ auth })`: `client.context._options.auth`), else the one set for every API
 * with `google.options({ auth })` (`client.context.google._options.auth`).
 */
export function credentialsOfClient(client: SheetsClient): unknown {
  const context = (client as { context?: { _options?: { auth?: unknown }; google?: { _options?: { auth?: unknown } } } }).context;
  return context?._options?.auth ?? context?.google?._options?.auth;
}
