/**
 * Bundles a bench module into JavaScript that plain node runs, as a user runs fieldsync: the
 * @fieldsync/* workspace packages are taken from their src (the `source` export condition, so
 * never a stale dist) and bundled; every other package stays an import that node resolves from
 * node_modules at runtime, with node's own export conditions.
 *
 * The output goes to a temporary folder under bench/.build/ (gitignored). With pnpm a package
 * resolves only from the package that depends on it (zod from packages/core, pg from
 * packages/postgres, ...), so the folder gets a node_modules of links to the very package folders
 * those imports resolve to from their importers' source, as they would under tsx or from dist.
 * `import.meta.url` in bundled source keeps the source file's URL, so files read relative to it
 * (the postgres migrations) are found.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const BUILD_DIRECTORY = fileURLToPath(new URL('./.build/', import.meta.url));
const BUILTINS = new Set(builtinModules);

/** A bundle on disk; `dispose` removes it. */
export interface NodeBundle {
  file: string;
  dispose(): Promise<void>;
}

/** `zod` of `zod/mini`, `@scope/name` of `@scope/name/sub`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The folder node finds `name` in from `directory`: the nearest node_modules/<name> up the tree. */
function packageFolder(name: string, directory: string): string | undefined {
  for (let current = directory; ; current = dirname(current)) {
    const candidate = join(current, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

/** Leaves node builtins and every bare import but @fieldsync/* external, recording where each package is. */
function externalPackages(folders: Map<string, string>): Plugin {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith('node:') || BUILTINS.has(args.path)) return { path: args.path, external: true };
        if (args.path.startsWith('@fieldsync/')) return undefined;
        const name = packageName(args.path);
        const found = packageFolder(name, args.resolveDir);
        if (!found) return { errors: [{ text: `cannot find package ${name} from ${args.resolveDir}` }] };
        const folder = await realpath(found);
        const known = folders.get(name);
        if (known !== undefined && known !== folder) {
          return { errors: [{ text: `package ${name} resolves to two folders (${known} and ${folder}); the bundle can link only one` }] };
        }
        folders.set(name, folder);
        return { path: args.path, external: true };
      });
    },
  };
}

/** Keeps `import.meta.url` (and dirname, filename) of bundled workspace sources pointing at the source file. */
function sourceImportMeta(): Plugin {
  return {
    name: 'source-import-meta',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.')) return undefined;
        const values: Record<string, string> = { url: pathToFileURL(args.path).href, dirname: dirname(args.path), filename: args.path };
        const contents = source.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_match, key: string) => JSON.stringify(values[key]));
        const extension = args.path.slice(args.path.lastIndexOf('.') + 1);
        const loader = extension.includes('ts') ? (extension.endsWith('x') ? 'tsx' : 'ts') : extension.endsWith('x') ? 'jsx' : 'js';
        return { contents, loader, resolveDir: dirname(args.path) };
      });
    },
  };
}

/** Bundles `entry` (a path) to `<bench>/.build/<temporary>/<name>.mjs` for node 22+. */
export async function bundleForNode(entry: string): Promise<NodeBundle> {
  await mkdir(BUILD_DIRECTORY, { recursive: true });
  const directory = await mkdtemp(join(BUILD_DIRECTORY, 'bundle-'));
  const dispose = () => rm(directory, { recursive: true, force: true });
  try {
    const name = entry.slice(entry.lastIndexOf('/') + 1).replace(/\.[cm]?[jt]sx?$/, '');
    const file = join(directory, `${name}.mjs`);
    const folders = new Map<string, string>();
    await build({
      entryPoints: [entry],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      conditions: ['source'],
      // Ignore `sideEffects: false`: keep every module a package's index reaches, as node loading
      // its dist does (a user's `import { createSyncEngine } from '@fieldsync/core'` loads csv-parse too).
      ignoreAnnotations: true,
      plugins: [externalPackages(folders), sourceImportMeta()],
      logLevel: 'warning',
    });
    for (const [name, folder] of folders) {
      const link = join(directory, 'node_modules', name);
      await mkdir(dirname(link), { recursive: true });
      await symlink(relative(dirname(link), folder), link, 'dir');
    }
    return { file, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
