// Starting a container's process: inside a pod's network namespace, as the container's user, logging to a file.
import { spawn } from 'node:child_process';
import { closeSync, fchownSync, openSync } from 'node:fs';

export interface ContainerProcess {
  readonly pid: number;
  /** The exit code, or the signal's name. */
  readonly exited: Promise<number | string>;
  readonly running: boolean;
  signal(signal: NodeJS.Signals): void;
}

export interface SpawnOptions {
  readonly netns: string;
  readonly uid: number;
  readonly gid: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** stdout and stderr are appended here. The file is owned by uid: Envoy reopens /dev/stdout for its access log. */
  readonly logFile: string;
}

/**
 * `ip netns exec` enters the network namespace and mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf; setpriv
 * drops to the container's user. The process gets its own process group so a terminal's Ctrl-C never reaches it.
 */
export function spawnContainer(options: SpawnOptions): ContainerProcess {
  const fd = openSync(options.logFile, 'a', 0o644);
  fchownSync(fd, options.uid, options.gid);
  try {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        options.netns,
        'setpriv',
        `--reuid=${options.uid}`,
        `--regid=${options.gid}`,
        '--clear-groups',
        '--',
        options.command,
        ...options.args,
      ],
      { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd], detached: true },
    );
    let running = true;
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (error) => {
        running = false;
        resolve(error.message);
      });
      child.once('exit', (code, signal) => {
        running = false;
        resolve(code ?? signal ?? 'unknown');
      });
    });
    return {
      pid: child.pid ?? -1,
      exited,
      get running() {
        return running;
      },
      signal(signal) {
        if (running) child.kill(signal);
      },
    };
  } finally {
    closeSync(fd);
  }
}
