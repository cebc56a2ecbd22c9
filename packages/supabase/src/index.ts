export { supabaseStore } from './supabase-store.js';
export type { SupabaseStore, SupabaseStoreOptions } from './supabase-store.js';
export type { RpcCaller, SupabaseClientLike, SupabaseRetryOptions, SupabaseRpcResponse, SupabaseRpcTarget } from './rpc-caller.js';
export { classifyRpcFailure, toRpcStoreError } from './rpc-errors.js';
export type { RpcFailure, RpcFailureKind, SupabaseRpcError } from './rpc-errors.js';
export type { LeaseLockOptions } from './lease-lock.js';
export { renderSupabaseGrants, supabaseMigrationFileName, supabaseMigrationSql } from './migration-sql.js';
export type { SupabaseMigrationOptions } from './migration-sql.js';
