/**
 * The app's one sync engine (like Sophie Hub's `src/lib/sync/engine.ts`): supabaseStore over the
 * service-role client, the Google Sheets strategy, and the mapping. Built once per server process
 * from environment variables, on first use.
 */
import { createSyncEngine, type SyncEngine } from '@fieldsync/core';
import { googleSheets } from '@fieldsync/google-sheets';
import { supabaseStore } from '@fieldsync/supabase';
import { createClient } from '@supabase/supabase-js';
import { google } from 'googleapis';
import { mapping } from './partners-mapping.js';

let engine: SyncEngine | undefined;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`[fieldsync] [example] Missing environment variable ${name}. Set it in .env.local (see the example's README).`);
  return value;
}

/** The Sheets client: a service account in production; an access token (e.g. for the emulator) when GOOGLE_ACCESS_TOKEN is set. */
function sheetsClient() {
  const rootUrl = process.env.GOOGLE_SHEETS_ROOT_URL;
  const auth = process.env.GOOGLE_ACCESS_TOKEN
    ? (() => {
        const oauth = new google.auth.OAuth2();
        oauth.setCredentials({ access_token: process.env.GOOGLE_ACCESS_TOKEN });
        return oauth;
      })()
    : new google.auth.JWT({
        email: required('GOOGLE_SERVICE_ACCOUNT_EMAIL'),
        key: required('GOOGLE_PRIVATE_KEY').replaceAll('\\n', '\n'),
        scopes: ['https://www.googleapis.com/auth/spreadsheets.readonly'],
      });
  return google.sheets({ version: 'v4', auth, ...(rootUrl && { rootUrl }) });
}

/** The engine, built on first use from SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, MASTER_SHEET_ID and the Google credentials. */
export function getSyncEngine(): SyncEngine {
  if (engine) return engine;
  // Server only: the service-role key bypasses row-level security, so it never reaches a browser.
  const supabase = createClient(required('SUPABASE_URL'), required('SUPABASE_SERVICE_ROLE_KEY'), {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
  engine = createSyncEngine({
    store: supabaseStore({ client: supabase }),
    strategies: [googleSheets({ client: sheetsClient(), spreadsheetId: required('MASTER_SHEET_ID') })],
    config: mapping,
  });
  return engine;
}

/** Disposes the engine (tests and scripts; a server keeps it for its lifetime). */
export async function disposeSyncEngine(): Promise<void> {
  const current = engine;
  engine = undefined;
  await current?.dispose();
}
