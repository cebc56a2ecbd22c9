export { createSheetsEmulator, startSheetsEmulator } from './sheets-emulator.js';
export type { CreatedSpreadsheet, EmulatedMethod, EmulatorQuota, InjectedFailure, RecordedRequest, SheetsEmulator, SheetsEmulatorOptions } from './sheets-emulator-types.js';
export type { Cell, CellFormat, DateTimeRenderOption, FormulaError, ValueRenderOption } from './emulator-cells.js';
export { dateToSerial } from './emulator-cells.js';
export type { SheetDefinition, SpreadsheetDefinition } from './emulator-spreadsheet.js';
