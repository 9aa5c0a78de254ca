// The esbuild plugins of the service bundles (bundle.ts): the two entries, the precompiled code's helpers, cheap built-ins.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, type ServiceName, serviceDir } from '@mesh-demo/workspace';
import type { Plugin } from 'esbuild';
import { PRECOMPILED_DIR } from './precompile.ts';

/** The telemetry register module (tsc's output): the bundle's `register` entry imports it once the cache is on. */
export const REGISTER_ENTRY = join(REPO_ROOT, 'packages', 'telemetry', 'dist', 'register.js');

/** Where each bundle keeps V8's compiled code for its files (Node's compile cache), relative to the bundle. */
export const COMPILE_CACHE_DIR = 'compile-cache';

/**
 * The bundle's two entries, as modules of their own:
 * - `main`: the service's precompiled schemas are installed first (ES modules evaluate in import order), then its own
 *   entry runs, so every schema it compiles is found in the table.
 * - `register` (loaded by `--import` before main): turns on Node's compile cache in the bundle's own directory, then
 *   imports the telemetry register module. Only a dynamic import comes after the cache is on: static imports are
 *   compiled before a module's first line runs. `pnpm build` fills the cache (primeCompileCache), so a start reads
 *   compiled code instead of parsing 2 MB of source; `portable` keys it by paths relative to that directory, so it
 *   holds wherever the bundle is copied (the image). A cache that cannot be read or written is skipped silently;
 *   NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
export function serviceEntryPlugin(name: ServiceName): Plugin {
  const contents: Record<string, string> = {
    main: `import './${PRECOMPILED_DIR}/index.js';\nimport './dist/main.js';\n`,
    register: [
      "import { enableCompileCache } from 'node:module';",
      "import { join } from 'node:path';",
      `enableCompileCache({ directory: join(import.meta.dirname, ${JSON.stringify(COMPILE_CACHE_DIR)}), portable: true });`,
      `await import(${JSON.stringify(REGISTER_ENTRY)});`,
      '',
    ].join('\n'),
  };
  return {
    name: 'service-entry',
    setup(b) {
      b.onResolve({ filter: /^service-entry:/ }, (args) => ({
        path: args.path.slice('service-entry:'.length),
        namespace: 'service-entry',
      }));
      b.onLoad({ filter: /.*/, namespace: 'service-entry' }, (args) => ({
        contents: contents[args.path],
        resolveDir: serviceDir(name),
        loader: 'js',
      }));
    },
  };
}

/**
 * The precompiled code requires Ajv's and fast-json-stringify's small runtime helpers (and ajv-formats' formats, for
 * a schema with a `format`): resolved where Fastify's compilers resolve them, the very copies the kit depends on.
 */
export const precompiledHelpers: Plugin = {
  name: 'precompiled-helpers',
  setup(b) {
    const kit = join(REPO_ROOT, 'packages', 'kit', 'package.json');
    const from = [createRequire(kit), createRequire(createRequire(kit).resolve('@fastify/ajv-compiler'))];
    b.onResolve({ filter: /^(ajv|ajv-formats|fast-json-stringify)(\/|$)/ }, (args) => {
      if (!args.importer.includes(PRECOMPILED_DIR)) return undefined;
      for (const require of from) {
        try {
          return { path: require.resolve(args.path) };
        } catch {
          // not resolvable from there; try the next
        }
      }
      return undefined;
    });
  },
};

/**
 * Built-in modules whose ES module facade costs milliseconds at start, and the getters that make it so: Node builds a
 * facade by reading every export, and these getters load more (node:http's WebSocket and MessageEvent load Node's own
 * copy of undici, 25 ms here; process.stdin opens a stream; util's load internal modules). Measured: importing
 * node:http as ESM took 28 ms, requiring it 4 ms; process, util and fs 3–5 ms each.
 */
const COSTLY_GETTERS: Readonly<Record<string, readonly string[]>> = {
  http: ['WebSocket', 'CloseEvent', 'MessageEvent'],
  https: ['WebSocket', 'CloseEvent', 'MessageEvent'],
  process: ['stdin'],
  util: ['transferableAbortSignal', 'transferableAbortController', 'aborted', 'debounce', 'throttle'],
  fs: ['ReadStream', 'WriteStream', 'FileReadStream', 'FileWriteStream', 'Utf8Stream'],
};

/**
 * An ESM import of one of those is served by a module that `require`s it (the banner's require) and exports every
 * property but those getters; its default export is the module itself, getters included, read only when used. A named
 * import of a left-out getter fails the build (esbuild: no matching export) rather than going quietly undefined.
 */
export const builtinsViaRequire: Plugin = {
  name: 'builtins-via-require',
  setup(b) {
    const require = createRequire(import.meta.url);
    b.onResolve({ filter: /^(node:)?[a-z_]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (args.kind !== 'import-statement' || !(name in COSTLY_GETTERS)) return undefined;
      return { path: name, namespace: 'builtin-via-require' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin-via-require' }, (args) => {
      const left = new Set(COSTLY_GETTERS[args.path]);
      const keys = Object.keys(require(`node:${args.path}`)).filter(
        (key) => !left.has(key) && key !== 'default' && /^[A-Za-z_$][\w$]*$/.test(key),
      );
      const contents = [`const m = require('node:${args.path}');`, 'export default m;', `export const { ${keys.join(', ')} } = m;`];
      return { contents: contents.join('\n'), loader: 'js' };
    });
  },
};
