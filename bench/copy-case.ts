/**
 * One write floor of the postgres benchmark on the server, timed in a process of its own: the
 * entry of a child process that postgres.ts bundles and forks as it does fieldsync-case.ts, so
 * the floors and the fieldsync cases they are compared with start alike, a fresh process with a
 * fresh connection (a warm process and server backend copied 100,000 rows about 12% faster).
 *
 * `node copy-case.mjs --child <request json>`, forked with an IPC channel, sends a {@link CopyResult}.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyFloor, type FloorRequest } from './copy-floor.js';

export interface CopyRequest extends FloorRequest {
  connection: string;
}

export interface CopyResult {
  ms: number;
}

/** Connects first (as a fieldsync case opens its store before its timer starts), then times the floor. */
async function childCopy(request: CopyRequest): Promise<CopyResult> {
  const client = new pg.Client({ connectionString: request.connection });
  await client.connect();
  try {
    return { ms: await copyFloor((sql, lines) => pipeline(Readable.from(lines), client.query(copyFrom(sql))), request) };
  } finally {
    await client.end();
  }
}

if (process.argv[2] === '--child' && process.send) {
  childCopy(JSON.parse(process.argv[3]!) as CopyRequest).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
