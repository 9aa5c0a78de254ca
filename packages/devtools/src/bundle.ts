// Bundles each service's build output and the telemetry register module into services/<name>/dist/bundle (run by `pnpm build`).
// Why: loading ~800 files of node_modules was most of a service's start (and ~20 MB of its RSS); one ESM bundle per
// service loads in a fraction of that, and the image then needs no node_modules at all. Measured in bench/README.md.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { primeCompileCache } from './compile-cache.ts';
import { BUNDLE_DIR, serviceDir } from './launch.ts';
import { PRECOMPILED_DIR, writePrecompiled } from './precompile.ts';
import { REPO_ROOT, SERVICES, type ServiceName } from './topology.ts';

const REGISTER_ENTRY = join(REPO_ROOT, 'packages', 'telemetry', 'dist', 'register.js');

/** esbuild turns a CommonJS `require('node:x')` into a call it cannot make from ESM output unless `require` exists. */
const BANNER = [
  "import { createRequire as __bundleRequire } from 'node:module';",
  'const require = __bundleRequire(import.meta.url);',
  'const __filename = import.meta.filename;',
  'const __dirname = import.meta.dirname;',
].join(' ');

const JAEGER_EXPORTER = '@opentelemetry/exporter-jaeger';
/**
 * The Jaeger exporter's own CommonJS bundle, relative to the ESM outputs (which import it by this path). Under a
 * node_modules directory on purpose: Node keeps its deprecation warnings about `Buffer()` and `url.parse()` (which
 * jaeger-client still calls) for code outside node_modules, and would otherwise print two at the first export.
 */
const JAEGER_DIR = join('node_modules', 'exporter-jaeger');
const JAEGER_FILE = `./${JAEGER_DIR}/index.cjs`;

/**
 * The Jaeger exporter is bundled apart, as CommonJS: jaeger-client's Thrift stack is sloppy-mode code (it assigns a
 * function's read-only `name`, which throws inside an ES module), and it reads its IDL files from paths relative to
 * its own code at run time, so those are copied beside it. Built once into `dir`; every service gets a copy.
 */
async function bundleJaegerExporter(dir: string): Promise<void> {
  const exporter = createRequire(REGISTER_ENTRY).resolve(JAEGER_EXPORTER);
  const outfile = join(dir, 'index.cjs');
  await build({
    entryPoints: [exporter],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22.19',
    logLevel: 'warning',
  });
  // esbuild hoists the entry's "use strict" to the top of the file, which makes every bundled module strict; the
  // modules that want it keep their own directive inside their wrapper, so the file-wide one goes.
  const code = readFileSync(outfile, 'utf8');
  writeFileSync(outfile, code.replace(/^"use strict";\n/, ''));
  const client = dirname(createRequire(exporter).resolve('jaeger-client/package.json'));
  for (const idl of ['jaeger-idl', 'thriftrw-idl']) {
    cpSync(join(client, 'dist', 'src', idl), join(dir, idl), { recursive: true, filter: (p) => !p.includes('crossdock') });
  }
}

/** Every import of the Jaeger exporter goes to its CommonJS bundle (all outputs are in one directory). */
const jaegerExternal: Plugin = {
  name: 'jaeger-exporter-apart',
  setup(b) {
    b.onResolve({ filter: /^@opentelemetry\/exporter-jaeger$/ }, () => ({ path: JAEGER_FILE, external: true }));
  },
};

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
function serviceEntryPlugin(name: ServiceName): Plugin {
  const contents: Record<string, string> = {
    main: `import './${PRECOMPILED_DIR.split(/[\\/]/).slice(1).join('/')}/index.js';\nimport './main.js';\n`,
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
        resolveDir: join(serviceDir(name), 'dist'),
        loader: 'js',
      }));
    },
  };
}

/**
 * The precompiled code requires Ajv's and fast-json-stringify's small runtime helpers (and ajv-formats' formats, for
 * a schema with a `format`): resolved where Fastify's compilers resolve them, the very copies the kit depends on.
 */
const precompiledHelpers: Plugin = {
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
const builtinsViaRequire: Plugin = {
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

/** One service's bundle; `jaegerExporter` is the directory bundleJaegerExporter wrote, copied in as it is. */
async function bundleService(name: ServiceName, jaegerExporter: string): Promise<void> {
  const outdir = join(serviceDir(name), BUNDLE_DIR);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    // Both entries in one build: they share chunks, so the OpenTelemetry API and the kit's telemetry handshake that
    // register.js sets up are the very modules main.js reads.
    entryPoints: { main: 'service-entry:main', register: 'service-entry:register' },
    outdir,
    bundle: true,
    // The SDK and each exporter stay in their own chunks, imported only when tracing is on (as without the bundle).
    splitting: true,
    // One flat directory, so a relative import of the Jaeger exporter's file means the same from every output.
    chunkNames: '[name]-[hash]',
    plugins: [jaegerExternal, serviceEntryPlugin(name), precompiledHelpers, builtinsViaRequire],
    format: 'esm',
    platform: 'node',
    target: 'node22.19',
    banner: { js: BANNER },
    // Smaller source parses faster and V8 keeps less of it (measured: ~40 ms and ~4 MB per service). Identifiers are
    // kept, so a logged 5xx stack still names its functions. No source maps: --enable-source-maps cost 170 ms and 50 MB.
    minifySyntax: true,
    minifyWhitespace: true,
    logLevel: 'warning',
  });
  cpSync(jaegerExporter, join(outdir, JAEGER_DIR), { recursive: true });
  // The bundle runs as ESM whatever directory it is copied to (the image copies the service's package.json too).
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
}

// Silent on success, like tsc before it: `pnpm start` and friends build first, and their output is theirs.
if (import.meta.main) {
  const staging = mkdtempSync(join(tmpdir(), 'mesh-demo-bundle-'));
  try {
    await bundleJaegerExporter(staging);
    // One at a time: the capture swaps the kit's compilers for the whole process while it builds a service's apps.
    for (const name of SERVICES) await writePrecompiled(name);
    await Promise.all(SERVICES.map((name) => bundleService(name, staging)));
    await Promise.all(SERVICES.map((name) => primeCompileCache(name)));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
