// Finds the Jaeger and Prometheus binaries the CI part installs, or says how to install them.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@mesh-demo/devtools';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && executable(join(dir, name))) return join(dir, name);
  return undefined;
}

export function jaegerBinary(): string {
  const found = [process.env.JAEGER_BIN, join(REPO_ROOT, '.tools', 'bin', 'jaeger')].find((p) => p && executable(p)) ?? onPath('jaeger');
  if (!found) throw new Error('jaeger not found: run .ci/parts/telemetry.sh once (it builds Jaeger v1.76.0 into .tools/bin), or set JAEGER_BIN');
  return found;
}

export function prometheusBinary(): string {
  const found = [process.env.PROMETHEUS_BIN].find((p) => p && executable(p)) ?? onPath('prometheus');
  if (!found) throw new Error('prometheus not found: apt-get install -y prometheus (or run .ci/parts/telemetry.sh), or set PROMETHEUS_BIN');
  return found;
}
