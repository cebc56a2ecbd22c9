export { startPostgrestEmulator } from './postgrest-emulator.js';
export type { PostgrestEmulator, PostgrestEmulatorOptions, PostgrestFault, RecordedCall } from './postgrest-emulator.js';
export { statusOfSqlState } from './postgrest-errors.js';
export type { PostgrestErrorBody } from './postgrest-errors.js';
