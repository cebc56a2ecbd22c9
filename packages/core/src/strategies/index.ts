export { csvFile } from './csv-file.js';
export type { CsvFileOptions } from './csv-file.js';
