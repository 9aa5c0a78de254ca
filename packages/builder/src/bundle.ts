// Bundles each service's build output and the telemetry register module into services/<name>/dist/bundle.
// Why: loading ~800 files of node_modules was most of a service's start (and ~20 MB of its RSS); one ESM bundle per
// service loads in a fraction of that, and the image then needs no node_modules at all. Before bundling, each service's
// schemas are compiled to code (precompile.ts); after, each bundle's compile cache is filled (compile-cache.ts), so a
// start compiles neither schemas nor JavaScript. Measured in bench/README.md.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUNDLE_DIR, SERVICES, type ServiceName, serviceDir } from '@mesh-demo/workspace';
import { build, type Plugin } from 'esbuild';
import { builtinsViaRequire, precompiledHelpers, REGISTER_ENTRY, serviceEntryPlugin } from './bundle-plugins.ts';

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

/** Every service's bundle, from tsc's output and the precompiled schemas (both written before this runs). */
export async function bundleServices(): Promise<void> {
  const staging = mkdtempSync(join(tmpdir(), 'mesh-demo-bundle-'));
  try {
    await bundleJaegerExporter(staging);
    await Promise.all(SERVICES.map((name) => bundleService(name, staging)));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
