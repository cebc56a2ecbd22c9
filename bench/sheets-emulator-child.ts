/**
 * A Sheets API emulator in its own process, holding the benchmark's spreadsheet, so the
 * benchmark measures fieldsync's memory and not the emulator's. Prints `{ url, spreadsheetId }`
 * as one JSON line, then answers `count` on stdin with the number of requests served.
 */
import { createInterface } from 'node:readline';
import { startSheetsEmulator } from '@fieldsync/google-sheets/testing';
import type { Cell } from '@fieldsync/google-sheets/testing';
import { SHEET_HEADERS, sheetRow } from './sheets-e2e-data.js';

const rows = Number(process.argv[2] ?? 100_000);
const emulator = await startSheetsEmulator();
const grid: Cell[][] = [SHEET_HEADERS.slice()];
for (let index = 1; index <= rows; index += 1) grid.push(sheetRow(index));
const { spreadsheetId } = emulator.createSpreadsheet({ title: 'Bench Sheet', timeZone: 'Etc/GMT', sheets: [{ title: 'Partners', rows: grid, rowCount: rows + 1 }] });
grid.length = 0;
process.stdout.write(`${JSON.stringify({ url: emulator.url, spreadsheetId })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line.startsWith('count')) process.stdout.write(`${JSON.stringify({ requests: emulator.requestCount() })}\n`);
  if (line.startsWith('edit')) {
    // 1% of rows, 2 fields each: Brand (B) and Notes (J).
    for (let index = 100; index <= rows; index += 100) {
      emulator.setValues(spreadsheetId, `'Partners'!B${index + 1}`, [[`Brand ${index} v1`]]);
      emulator.setValues(spreadsheetId, `'Partners'!J${index + 1}`, [[`note ${index} v1`]]);
    }
    process.stdout.write(`${JSON.stringify({ edited: true })}\n`);
  }
  if (line.startsWith('exit')) break;
}
await emulator.close();
