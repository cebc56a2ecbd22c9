/**
 * PostgREST's error bodies and HTTP statuses, as its documentation's error table gives them
 * (https://docs.postgrest.org/en/stable/references/errors.html), for the emulator.
 */

/** The body PostgREST answers an error with. */
export interface PostgrestErrorBody {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

/**
 * The HTTP status PostgREST gives a SQLSTATE. `42501` (insufficient privilege) is 401 for the
 * anonymous role and 403 for any other; SQLSTATEs the table does not list are 400.
 */
export function statusOfSqlState(code: string, role: string | undefined): number {
  if (code === '42501') return role === undefined || role === 'anon' ? 401 : 403;
  if (code === '23503' || code === '23505') return 409;
  if (code === '25006') return 405;
  if (code === '42883' || code === '42P01') return 404;
  if (code === '42P17') return 500;
  if (code === 'P0001') return 400;
  const classOf = code.slice(0, 2);
  if (classOf === '08' || classOf === '53') return 503;
  if (classOf === '0L' || classOf === '0P' || classOf === '28') return 403;
  if (['09', '25', '2D', '38', '39', '3B', '40', '54', '55', '57', '58', 'F0', 'HV', 'P0', 'XX'].includes(classOf)) return 500;
  return 400;
}

/** A database error (pg or PGlite) as PostgREST's body. */
export function bodyOfDatabaseError(error: unknown): PostgrestErrorBody {
  const database = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; detail?: unknown; hint?: unknown };
  return {
    code: typeof database.code === 'string' ? database.code : 'XX000',
    message: typeof database.message === 'string' ? database.message : String(error),
    details: typeof database.detail === 'string' ? database.detail : null,
    hint: typeof database.hint === 'string' ? database.hint : null,
  };
}

/** PGRST202: no function of that name takes those arguments (404). */
export function functionNotFound(schema: string, name: string, argumentNames: ReadonlyArray<string>): PostgrestErrorBody {
  const sorted = [...argumentNames].sort();
  const listed = sorted.length === 0 ? 'without parameters' : `with parameter${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')}`;
  return {
    code: 'PGRST202',
    message: `Could not find the function ${schema}.${name}(${sorted.join(', ')}) in the schema cache`,
    details: `Searched for the function ${schema}.${name} ${listed} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
    hint: null,
  };
}

/** PGRST106: the profile header names a schema that is not exposed (406). */
export function schemaNotExposed(exposed: ReadonlyArray<string>): PostgrestErrorBody {
  return { code: 'PGRST106', message: `The schema must be one of the following: ${exposed.join(', ')}`, details: null, hint: null };
}

/** PGRST102: the body is not JSON (400). */
export function invalidBody(): PostgrestErrorBody {
  return { code: 'PGRST102', message: 'Empty or invalid json', details: null, hint: null };
}

/** PGRST002: what PostgREST answers (503) while it cannot reach the database. */
export function databaseUnavailable(): PostgrestErrorBody {
  return { code: 'PGRST002', message: 'Could not query the database for the schema cache. Retrying.', details: null, hint: null };
}
