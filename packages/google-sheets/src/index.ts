export { googleSheets } from './google-sheets-strategy.js';
export type { GoogleSheetsStrategy } from './google-sheets-strategy.js';
export type { GoogleSheetsOptions } from './google-sheets-options.js';
export { createQuotaBucket, credentialIdentity } from './quota-bucket.js';
export type { QuotaBucket, QuotaBucketOptions } from './quota-bucket.js';
export type { SheetsRetryOptions } from './sheets-requester.js';
export { METADATA_FIELDS } from './sheets-requester.js';
export type {
  BatchGetParams,
  BatchGetResource,
  SheetsAuthClient,
  SheetsCallOptions,
  SheetsClient,
  SpreadsheetGetParams,
  SpreadsheetResource,
  ValueRangeResource,
} from './sheets-client.js';
export type { SheetCursor } from './sheet-reader.js';
export { FORMULA_ERRORS } from './sheet-rows.js';
export { columnLetter, columnNumber, quoteSheetTitle } from './a1-notation.js';
