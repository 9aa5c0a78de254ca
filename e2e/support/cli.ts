// The repo's CLIs as real processes, as a person runs them from the repo root: to completion, or in a terminal to Ctrl-C.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { until } from './poll.ts';

export interface Exit {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A plain pnpm, as someone who installed pnpm themselves types it: the one running this suite (npm_execpath), else the
 * wrapper's copy of the pinned version. Usage texts under it must say `pnpm ...`.
 */
export function plainPnpm(): [string, string[]] {
  const pinned = /"packageManager":\s*"pnpm@([^"]+)"/.exec(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'))?.[1];
  return [process.execPath, [process.env.npm_execpath ?? join(REPO_ROOT, `.tools/pnpm-${pinned}/bin/pnpm.cjs`)]];
}

/**
 * Prefix for a bash line that uses curl: when the machine has no curl, a stand-in that prints the body, which is all
 * the README's curl lines need (-H and a URL).
 */
export const CURL_STAND_IN = `command -v curl >/dev/null || curl() { node -e '
  const args = process.argv.slice(1); const headers = {}; let url;
  for (let i = 0; i < args.length; i++) if (args[i] === "-H") { const [k, ...v] = args[++i].split(":"); headers[k.trim()] = v.join(":").trim(); } else if (!args[i].startsWith("-")) url = args[i];
  fetch(/^https?:/.test(url) ? url : "http://" + url, { headers }).then((r) => r.text()).then((t) => process.stdout.write(t));' -- "$@"; }
`;

/**
 * The exit code (or signal) once the child has exited and its pipes are read to the end: 'exit' can come before the
 * last lines are read (a service's "stopped" was lost so). A daemon the child left holding its pipes would keep them
 * open for ever, so after the exit the wait for the rest is 2 s at most.
 */
export function exitedAndDrained(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      const result = code ?? signal ?? 'unknown';
      const drained = setTimeout(() => resolve(result), 2000);
      drained.unref();
      child.once('close', () => {
        clearTimeout(drained);
        resolve(result);
      });
    });
  });
}

/** Run to completion (`./pnpmw` resolves from the repo root, as typed there); never throws on a non-zero exit. */
export function run(command: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : (error.signal ?? 'killed')) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Running {
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** Wait until the output matches (described in the timeout's message). */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<void>;
  /** A terminal's Ctrl-C: SIGINT to the whole process group (the wrapper's pnpm and the CLI under it). */
  interrupt(): void;
  readonly exited: Promise<number | string>;
  /**
   * For after hooks, so nothing of a failed test keeps a port: Ctrl-C if it still runs (`start` stops the services it
   * put in their own process groups), SIGKILL to the group if that has not ended it within 15 s.
   */
  end(): Promise<void>;
}

/** Start in its own process group, like a command in a terminal. */
export function start(command: string, args: readonly string[], env: Record<string, string> = {}): Running {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = exitedAndDrained(child);
  let done = false;
  void exited.then(() => (done = true));
  return {
    output: () => output,
    async waitFor(pattern, what, timeoutMs = 60_000) {
      const exitedFirst = exited.then(() => {
        if (!pattern.test(output)) throw new Error(`exited before ${what}; output:\n${output}`);
      });
      try {
        await Promise.race([until(what, () => pattern.test(output) || undefined, timeoutMs), exitedFirst]);
      } catch (error) {
        throw new Error(`${(error as Error).message}\noutput so far:\n${output.slice(-3000)}`);
      }
    },
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
    exited,
    async end() {
      if (done) return;
      process.kill(-child.pid!, 'SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
      if (!done) process.kill(-child.pid!, 'SIGKILL');
    },
  };
}

/** The exit code, waiting at most `timeoutMs`. */
export async function exitOf(running: Running, what: string, timeoutMs = 30_000): Promise<number | string> {
  return until(
    what,
    () => Promise.race([running.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100))]),
    timeoutMs,
  );
}
