// `mesh down`: the supervisor stops everything; then whatever a crashed run left (namespaces, processes, files) goes too.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { defineCommand } from '@mesh-demo/workspace';
import { defaultClusterConfig, stopCluster } from '../cluster/index.ts';
import { teardownNetwork } from '../cluster/network.ts';
import { command, NotRunning, RUN_DIR } from '../control.ts';
import { MeshError } from '../errors.ts';
import { requireRootOnLinux } from './root.ts';

function killPidFile(name: string): void {
  const file = join(RUN_DIR, name);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8'));
  try {
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** True while the pid in RUN_DIR/supervisor.pid names a live process (a mesh starting, running or stuck). */
export function supervisorAlive(): boolean {
  const file = join(RUN_DIR, 'supervisor.pid');
  if (!existsSync(file)) return false;
  const pid = Number(readFileSync(file, 'utf8'));
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Lazily unmounts whatever is mounted under `dir` (a pod's in-memory emptyDir is a tmpfs on the host), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((path) => path.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const path of mounts) await promisify(execFile)('umount', ['-l', path]).catch(() => {});
}

/**
 * Removes what a crashed or killed run left: the supervisor and the edge, the control plane's recorded processes, every
 * pod's processes and network namespace, the node's namespace, the host link and route, and the run directory.
 */
export async function sweep(): Promise<void> {
  const config = defaultClusterConfig(RUN_DIR);
  killPidFile('supervisor.pid');
  killPidFile('edge.pid');
  await stopCluster(config);
  await teardownNetwork(config);
  await unmountUnder(RUN_DIR);
  await rm(RUN_DIR, { recursive: true, force: true });
  const remaining = (await promisify(execFile)('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(config.prefix));
  if (remaining.length || existsSync(RUN_DIR))
    throw new MeshError(`could not remove ${[...remaining, ...(existsSync(RUN_DIR) ? [RUN_DIR] : [])].join(', ')}`);
}

export async function down(): Promise<void> {
  requireRootOnLinux();
  let graceful = true;
  try {
    await command('/down', {}, (line) => console.log(`mesh: ${line}`));
  } catch (error) {
    if (!(error instanceof NotRunning))
      console.error(`mesh: the supervisor failed to stop cleanly (${(error as Error).message}); cleaning up`);
    graceful = false;
  }
  // The supervisor removes its run directory as it exits; wait for that, then sweep anything a crash left.
  for (let i = 0; i < 50 && existsSync(RUN_DIR) && graceful; i++) await sleep(100);
  await sweep();
  console.log(`mesh: down; no namespace, link (${defaultClusterConfig(RUN_DIR).hostLink}), process or file of the local mesh is left`);
}

export const downCommand = defineCommand({
  name: 'down',
  summary: 'stop everything and remove every namespace, rule and file it made',
  run: () => down().then(() => 0),
});
