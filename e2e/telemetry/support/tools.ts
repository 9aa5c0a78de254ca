// Finds the Prometheus binary the CI part installs, or says how to install it (Jaeger: @mesh-demo/devtools).
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

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

export function prometheusBinary(): string {
  const found = [process.env.PROMETHEUS_BIN].find((p) => p && executable(p)) ?? onPath('prometheus');
  if (!found) throw new Error('prometheus not found: apt-get install -y prometheus (or run .ci/parts/telemetry.sh), or set PROMETHEUS_BIN');
  return found;
}
