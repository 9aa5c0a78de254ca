// `mesh down`: the supervisor stops everything; then whatever a crashed run left (namespaces, processes, files) goes too.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCommand } from '@mesh-demo/workspace';
import { command, NotRunning, RUN_DIR } from '../control.ts';
import { MeshError } from '../errors.ts';
import { HOST_LINK, meshNamespaces, teardown } from '../network.ts';
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

/** Removes what a crashed or killed run left: its processes, namespaces, host link, rules and run directory. */
export async function sweep(): Promise<void> {
  killPidFile('supervisor.pid');
  killPidFile('edge.pid');
  const left = await meshNamespaces();
  if (left.length) console.log(`mesh: removing ${left.length} network namespace(s) left behind`);
  await teardown();
  await rm(RUN_DIR, { recursive: true, force: true });
  const remaining = await meshNamespaces();
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
  console.log(`mesh: down; no namespace, link (${HOST_LINK}), process or file of the local mesh is left`);
}

export const downCommand = defineCommand({
  name: 'down',
  summary: 'stop everything and remove every namespace, rule and file it made',
  run: () => down().then(() => 0),
});
