import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { SqlDriver, SqlExecutor } from '@fieldsync/postgres';
import {
  bodyOfDatabaseError,
  databaseUnavailable,
  functionNotFound,
  invalidBody,
  schemaNotExposed,
  statusOfSqlState,
  type PostgrestErrorBody,
} from './postgrest-errors.js';

/** Options of {@link startPostgrestEmulator}. */
export interface PostgrestEmulatorOptions {
  /** The database every call runs on (`pgliteDriver({ pglite })` or `pgDriver({ pool })` from @fieldsync/postgres). */
  database: SqlDriver;
  /**
   * Exposed schemas, like PostgREST's `db-schemas`; the first is the default when a request has
   * no `Content-Profile`/`Accept-Profile` header. Functions elsewhere cannot be called.
   * @example ['fieldsync']
   */
  schemas: ReadonlyArray<string>;
  /** Only functions whose name matches are callable (others answer PGRST202). @default /^fieldsync_/ */
  functions?: RegExp;
  /** Rows a result may have, like `db-max-rows` (Supabase's default is 1000). A top-level JSON array result is cut to it too. @default 1000 */
  maxRows?: number;
  /**
   * Database role per API key: the call runs after `set local role <role>`, as PostgREST does with
   * the JWT's role claim. A key not listed is refused with 401 when this is given; without it,
   * any key is accepted and the call runs as the connection's own user.
   * @example { 'service-role-key': 'service_role', 'anon-key': 'anon' }
   */
  roles?: Readonly<Record<string, string>>;
}

/** How the next matching calls misbehave. */
export interface PostgrestFault {
  /**
   * `status`: answer `status` without touching the database. `drop`: close the connection
   * before running anything. `rollback-and-drop`: run the function in its transaction, roll it
   * back and close the connection (the call failed mid-way). `commit-and-drop`: run and commit,
   * then close the connection (the call succeeded but the client never hears it).
   */
  kind: 'status' | 'drop' | 'rollback-and-drop' | 'commit-and-drop';
  /** For `status`. @default 503 */
  status?: number;
  /** How many calls. @default 1 */
  count?: number;
  /** Only calls of this function. */
  functionName?: string;
  /** Let this many matching calls through first (e.g. fail the second batch of a run). @default 0 */
  after?: number;
}

/** One call the emulator received. */
export interface RecordedCall {
  functionName: string;
  schema: string;
  /** Status answered, or 0 when the connection was dropped. */
  status: number;
  /** The parsed JSON body. */
  body: unknown;
}

/** A running emulator of PostgREST's `/rest/v1/rpc/*` endpoint. */
export interface PostgrestEmulator {
  /** Base URL for `createClient(url, key)`, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** Every call received, in order. */
  readonly calls: RecordedCall[];
  /** Makes the next matching calls misbehave. */
  fail(fault: PostgrestFault): void;
  /** Forgets pending faults and recorded calls. */
  reset(): void;
  /** Stops the server and closes its connections (the database is the caller's). */
  close(): Promise<void>;
}

interface FunctionDefinition {
  argumentNames: string[];
  argumentTypes: string[];
  requiredCount: number;
  returnsSet: boolean;
  /** STABLE or IMMUTABLE: PostgREST runs the call in a READ ONLY transaction. */
  readOnly: boolean;
}

interface Answer {
  status: number;
  body: unknown;
  schema?: string;
  drop?: boolean;
}

/** Thrown inside the transaction to roll back a `rollback-and-drop` call. */
class RollbackRequested extends Error {}

const JSON_TYPES = new Set(['json', 'jsonb']);

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function findFunctions(executor: SqlExecutor, schema: string, name: string): Promise<FunctionDefinition[]> {
  const { rows } = await executor.query<{ argument_names: string[] | null; argument_types: string[]; required_count: number; returns_set: boolean; volatility: string }>(
    `select p.proargnames as argument_names,
            array(select format_type(t, null) from unnest(p.proargtypes) as t) as argument_types,
            p.pronargs - p.pronargdefaults as required_count,
            p.proretset as returns_set,
            p.provolatile::text as volatility
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = $1 and p.proname = $2 and p.prokind = 'f'`,
    [schema, name],
  );
  return rows.map((row) => ({
    argumentTypes: row.argument_types,
    argumentNames: (row.argument_names ?? []).slice(0, row.argument_types.length),
    requiredCount: Number(row.required_count),
    returnsSet: row.returns_set,
    readOnly: row.volatility !== 'v',
  }));
}

function matchArguments(candidates: FunctionDefinition[], given: string[]): FunctionDefinition | undefined {
  return candidates.find((candidate) => {
    if (!given.every((name) => candidate.argumentNames.includes(name))) return false;
    return candidate.argumentNames.slice(0, candidate.requiredCount).every((name) => given.includes(name));
  });
}

function parameterOf(value: unknown, type: string): unknown {
  if (JSON_TYPES.has(type)) return JSON.stringify(value ?? null);
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * An emulator of PostgREST's RPC endpoint (`POST /rest/v1/rpc/<function>`) that runs every call
 * on real Postgres, for testing `supabaseStore` with the real supabase-js client. Each call is
 * one transaction: `select to_jsonb(<schema>.<fn>(<name> := $1, ...))` with the named arguments
 * of the JSON body, read-only for a STABLE or IMMUTABLE function as in PostgREST. Answers carry PostgREST's statuses, headers (`content-type`,
 * `content-profile`) and error bodies `{ code, message, details, hint }`; requests without an
 * `apikey` or `Authorization` header get 401. Faults (`fail`) make calls answer 503 or drop the
 * connection, before or after the transaction.
 *
 * @example
 * const emulator = await startPostgrestEmulator({ database: pgliteDriver({ pglite }), schemas: ['fieldsync'] });
 * const client = createClient(emulator.url, 'service-role-key', { auth: { persistSession: false } });
 */
export async function startPostgrestEmulator(options: PostgrestEmulatorOptions): Promise<PostgrestEmulator> {
  const allowed = options.functions ?? /^fieldsync_/;
  const maxRows = options.maxRows ?? 1000;
  const faults: Array<Required<Pick<PostgrestFault, 'kind' | 'count' | 'after'>> & PostgrestFault> = [];
  const calls: RecordedCall[] = [];
  const sockets = new Set<Socket>();

  function takeFault(functionName: string): PostgrestFault | undefined {
    const index = faults.findIndex((fault) => fault.functionName === undefined || fault.functionName === functionName);
    if (index < 0) return undefined;
    const fault = faults[index]!;
    if (fault.after > 0) {
      fault.after -= 1;
      return undefined;
    }
    fault.count -= 1;
    if (fault.count <= 0) faults.splice(index, 1);
    return fault;
  }

  async function call(schema: string, functionName: string, args: Record<string, unknown>, role: string | undefined, fault: PostgrestFault | undefined): Promise<Answer> {
    try {
      return await options.database.transaction(async (executor) => {
        if (role !== undefined) await executor.query(`set local role ${quote(role)}`);
        const definition = allowed.test(functionName) ? matchArguments(await findFunctions(executor, schema, functionName), Object.keys(args)) : undefined;
        if (!definition) return { status: 404, body: functionNotFound(schema, functionName, Object.keys(args)) };
        // PostgREST runs STABLE and IMMUTABLE functions read-only: a write in one fails (25006).
        if (definition.readOnly) await executor.query('set transaction read only');
        const names = Object.keys(args);
        const argumentList = names.map((name, index) => `${quote(name)} := $${index + 1}::${definition.argumentTypes[definition.argumentNames.indexOf(name)]}`).join(', ');
        const parameters = names.map((name) => parameterOf(args[name], definition.argumentTypes[definition.argumentNames.indexOf(name)] ?? 'text'));
        const target = `${quote(schema)}.${quote(functionName)}(${argumentList})`;
        let body: unknown;
        if (definition.returnsSet) {
          const { rows } = await executor.query<{ result: unknown }>(`select to_jsonb(t) as result from ${target} as t limit ${maxRows}`, parameters);
          body = rows.map((row) => row.result);
        } else {
          const { rows } = await executor.query<{ result: unknown }>(`select to_jsonb(${target}) as result`, parameters);
          body = rows[0]?.result ?? null;
          if (Array.isArray(body) && body.length > maxRows) body = body.slice(0, maxRows);
        }
        if (fault?.kind === 'rollback-and-drop') throw new RollbackRequested();
        return { status: 200, body, schema, ...(fault?.kind === 'commit-and-drop' && { drop: true }) };
      });
    } catch (error) {
      if (error instanceof RollbackRequested) return { status: 0, body: null, drop: true };
      const body = bodyOfDatabaseError(error);
      return { status: statusOfSqlState(body.code, role), body };
    }
  }

  async function handle(request: IncomingMessage): Promise<Answer & { functionName: string; schema: string; parsed: unknown }> {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const match = /^\/rest\/v1\/rpc\/([^/]+)$/.exec(url.pathname);
    const functionName = match ? decodeURIComponent(match[1]!) : '';
    const defaultSchema = options.schemas[0] ?? 'public';
    const base = { functionName, schema: defaultSchema, parsed: undefined };
    const apiKey = headerOf(request, 'apikey') ?? headerOf(request, 'authorization')?.replace(/^Bearer\s+/i, '');
    if (!apiKey) return { ...base, status: 401, body: { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' } };
    const role = options.roles ? options.roles[apiKey] : undefined;
    if (options.roles && role === undefined) return { ...base, status: 401, body: { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' } };
    if (!match) return { ...base, status: 404, body: { code: 'PGRST125', message: 'Invalid path specified in request URL', details: 'The emulator serves POST /rest/v1/rpc/<function> only.', hint: null } satisfies PostgrestErrorBody };
    if (request.method !== 'POST') return { ...base, status: 405, body: { code: 'PGRST117', message: `Unsupported HTTP method: ${request.method}`, details: null, hint: null } satisfies PostgrestErrorBody };
    const schema = headerOf(request, 'content-profile') ?? headerOf(request, 'accept-profile') ?? defaultSchema;
    if (!options.schemas.includes(schema)) return { ...base, schema, status: 406, body: schemaNotExposed(options.schemas) };
    const text = await readBody(request);
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return { ...base, schema, status: 400, body: invalidBody() };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ...base, schema, parsed, status: 400, body: invalidBody() };
    const fault = takeFault(functionName);
    if (fault?.kind === 'drop') return { ...base, schema, parsed, status: 0, body: null, drop: true };
    if (fault?.kind === 'status') return { ...base, schema, parsed, status: fault.status ?? 503, body: databaseUnavailable() };
    return { ...base, schema, parsed, ...(await call(schema, functionName, parsed as Record<string, unknown>, role, fault)) };
  }

  function respond(response: ServerResponse, answer: Answer): void {
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (answer.schema !== undefined && answer.status < 400) headers['content-profile'] = answer.schema;
    response.writeHead(answer.status, headers);
    response.end(JSON.stringify(answer.body));
  }

  const server: Server = createServer((request, response) => {
    handle(request).then(
      (answer) => {
        calls.push({ functionName: answer.functionName, schema: answer.schema, status: answer.drop ? 0 : answer.status, body: answer.parsed });
        if (answer.drop) {
          request.socket.destroy();
          return;
        }
        respond(response, answer);
      },
      (error: unknown) => {
        respond(response, { status: 500, body: bodyOfDatabaseError(error) });
      },
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    fail(fault) {
      faults.push({ ...fault, count: fault.count ?? 1, after: fault.after ?? 0 });
    },
    reset() {
      faults.length = 0;
      calls.length = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
