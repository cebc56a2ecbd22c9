import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The engine, config, values and transformers run wherever a host runs them (Node, Deno, Bun,
// edge functions): no Node globals there. (strategies/csv-file reads files, and testing/ is for
// tests: both are Node's.)
const NEUTRAL = ['', 'engine', 'config', 'transformers'];
const NODE_GLOBALS = /\b(?:process|Buffer|__dirname|__filename|require)\s*[.(]/;

/** Source without comments and string contents, so only code is searched. */
function codeOf(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/(['"`])(?:\\.|(?!\1)[^\\])*\1/g, '""');
}

describe('runtime-neutral core', () => {
  it('engine, config, value and transformer modules use no Node globals', async () => {
    const root = fileURLToPath(new URL('.', import.meta.url));
    const offenders: string[] = [];
    let checked = 0;
    for (const folder of NEUTRAL) {
      for (const entry of await readdir(join(root, folder), { withFileTypes: true })) {
        if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
        checked += 1;
        const code = codeOf(await readFile(join(root, folder, entry.name), 'utf8'));
        const found = NODE_GLOBALS.exec(code);
        if (found) offenders.push(`${join(folder, entry.name)}: ${found[0]}`);
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});
