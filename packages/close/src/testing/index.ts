export { createCloseEmulator } from './close-emulator.js';
export type { CloseEmulator, CloseEmulatorOptions, EmulatorFailure, EmulatorRequest, EmulatorWebhook } from './close-emulator.js';
export type { EmulatorCustomField, EmulatorEvent, EmulatorRecord } from './emulator-data.js';
export type { ContactInput, CustomFieldInput, LeadInput, OpportunityInput } from './emulator-records.js';
export { signCloseWebhook } from '../webhook-verify.js';
