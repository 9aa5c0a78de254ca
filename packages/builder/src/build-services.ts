// The one build of the services, what `pnpm build`, `mesh up`, `pnpm start` and the bench run: tsc, schemas, bundle, cache.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, SERVICES } from '@mesh-demo/workspace';
import { bundleServices } from './bundle.ts';
import { primeCompileCache } from './compile-cache.ts';
import { fingerprint, STAMP_FILE, upToDate } from './fingerprint.ts';
import { writePrecompiled } from './precompile.ts';

/** A build that failed; tsc's own report is on stderr already, so the message only says which step. */
export class BuildError extends Error {}

function tscBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    // tsc's report goes straight to the terminal (or the caller's stderr): it is the message people need.
    const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['--build'], { cwd: REPO_ROOT, stdio: ['ignore', 2, 2] });
    child.once('error', (error) => reject(new BuildError(`tsc could not run (${error.message}); run ./pnpmw install first`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new BuildError('the services do not compile: see tsc above'))));
  });
}

/**
 * Builds every service from the current source into `services/<name>/dist/bundle`, the files a pod, an image, `pnpm
 * start` and the bench all run:
 * 1. `tsc --build` (incremental: an unchanged tree takes about a second);
 * 2. each service's schemas compiled to code, from tsc's output (one at a time: the capture swaps the kit's compilers
 *    for the whole process while it builds a service's apps);
 * 3. the esbuild bundles;
 * 4. each bundle's compile cache, filled by starting it once per way it starts.
 * Skipped when the inputs are exactly those of the last build and its bundles are there (`always` builds anyway, as
 * `pnpm build` does). Silent on success, like tsc: whoever builds first has output of its own.
 */
export async function buildServices(options: { always?: boolean } = {}): Promise<'built' | 'current'> {
  const inputs = fingerprint();
  if (!options.always && upToDate(inputs)) return 'current';
  // A build that stops half-way must not leave the last stamp claiming its outputs.
  rmSync(STAMP_FILE, { force: true });
  await tscBuild();
  for (const name of SERVICES) await writePrecompiled(name);
  await bundleServices();
  await Promise.all(SERVICES.map((name) => primeCompileCache(name)));
  mkdirSync(dirname(STAMP_FILE), { recursive: true });
  writeFileSync(STAMP_FILE, `${inputs}\n`);
  return 'built';
}
