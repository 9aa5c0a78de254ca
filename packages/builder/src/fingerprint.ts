// Whether the services' build is current: a hash of every input the build reads, kept beside the outputs it made.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, SERVICES, serviceEntry } from '@mesh-demo/workspace';

/** Where the last build's fingerprint is kept: beside the dependencies (never committed, never copied into an image). */
export const STAMP_FILE = join(REPO_ROOT, 'node_modules', '.cache', 'mesh-demo', 'services-build.sha256');

/** The build's inputs: the sources of the services and of what they bundle, the build itself, and the lockfile. */
function inputs(): string[] {
  const roots = [
    ...['kit', 'telemetry', 'build', 'workspace'].map((p) => join(REPO_ROOT, 'packages', p, 'src')),
    ...SERVICES.flatMap((name) => ['src', 'package.json', 'tsconfig.json'].map((f) => join(REPO_ROOT, 'services', name, f))),
    ...['package.json', 'pnpm-lock.yaml', 'tsconfig.json', 'tsconfig.base.json'].map((f) => join(REPO_ROOT, f)),
    ...['kit', 'telemetry'].flatMap((p) => ['package.json', 'tsconfig.json'].map((f) => join(REPO_ROOT, 'packages', p, f))),
  ];
  const files: string[] = [];
  const walk = (path: string) => {
    if (!existsSync(path)) return;
    if (!statSync(path).isDirectory()) return void files.push(path);
    for (const entry of readdirSync(path).sort()) walk(join(path, entry));
  };
  for (const root of roots) walk(root);
  return files;
}

/** The fingerprint of the inputs as they are now (and of the Node that builds: the compile cache is V8's). */
export function fingerprint(): string {
  const hash = createHash('sha256').update(process.version);
  for (const file of inputs()) hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** True when the last build was of exactly these inputs and each of its bundles is still there. */
export function upToDate(current: string): boolean {
  if (!existsSync(STAMP_FILE) || readFileSync(STAMP_FILE, 'utf8').trim() !== current) return false;
  return SERVICES.every((name) => existsSync(serviceEntry(name)));
}
