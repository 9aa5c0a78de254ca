// One container's process on the host: started through its launch script, logged to its file, signalled, waited for.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { criFifos } from './cri-log.ts';
import { type ContainerPaths, envWords, launchScript } from './launcher.ts';
import type { ContainerPlan } from './plan.ts';

export interface ContainerProcess {
  /** The container's main process (the launcher execs into it, so it keeps the pid the agent started). */
  readonly pid: number;
  readonly startedAt: Date;
  /** Resolves once the process has exited: its exit code (128 + the signal's number for a signal, as runtimes report). */
  readonly exited: Promise<{ readonly code: number; readonly signal?: NodeJS.Signals; readonly at: Date }>;
  readonly running: boolean;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL to the container's whole process group: what a runtime's stop does once the grace period is over. */
  kill(): void;
}

const SIGNALS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGABRT: 6, SIGSEGV: 11 };

/**
 * Starts the container: nsenter into the pod's network namespace, a new mount and UTS namespace, then the launch
 * script (root until its last line). stdout and stderr go to `logFile` in the CRI format, as the runtime's log of this
 * start: the agent holds the pipes, as containerd's shim does.
 */
export function startContainer(plan: ContainerPlan, paths: ContainerPaths, logFile: string): ContainerProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  mkdirSync(paths.dir, { recursive: true });
  const fifos = criFifos(logFile, { uid: plan.uid, gid: plan.gid });
  const child = spawn(
    'nsenter',
    [
      `--net=${paths.netns}`,
      '--',
      'unshare',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      launchScript(plan, paths),
      'sh',
      ...envWords(plan.env),
    ],
    // Its own process group: a terminal's Ctrl-C never reaches it, and the group is what a kill takes down.
    { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: ['ignore', fifos.stdout, fifos.stderr], detached: true },
  );
  fifos.release();
  let running = true;
  const startedAt = new Date();
  const exited = new Promise<{ code: number; signal?: NodeJS.Signals; at: Date }>((resolve) => {
    child.once('error', () => {
      running = false;
      resolve({ code: 128, at: new Date() });
    });
    child.once('exit', (code, signal) => {
      running = false;
      const at = new Date();
      resolve(signal ? { code: 128 + (SIGNALS[signal] ?? 0), signal, at } : { code: code ?? 0, at });
    });
  });
  const pid = child.pid ?? -1;
  return {
    pid,
    startedAt,
    exited,
    get running() {
      return running;
    },
    signal(signal) {
      if (running) child.kill(signal);
    },
    kill() {
      try {
        if (pid > 0) process.kill(-pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    },
  };
}
