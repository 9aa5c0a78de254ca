// A control-plane process kept alive: spawned with a log file, started once healthy, restarted with back-off if it dies.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MeshError } from '../errors.ts';
import type { HealthCheck } from './health.ts';

export interface ProcessSpec {
  /** As `mesh status` and the logs name it: `kube-apiserver`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Run inside this network namespace (`nsenter --net`: no mount namespace of its own, unlike `ip netns exec`). */
  readonly netns?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  /** Where the pid is recorded, so a later run can stop what a crashed one left (see stopRecorded). */
  readonly pidFile: string;
  readonly healthy: HealthCheck;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
}

export type ProcessState = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

export interface ProcessStatus {
  readonly name: string;
  readonly state: ProcessState;
  readonly pid?: number;
  readonly restarts: number;
  /** How the last run ended: `exit 1`, `SIGKILL`. */
  readonly lastExit?: string;
  readonly log: string;
}

/** The argv that runs the spec: in its network namespace when it has one. */
export function processArgv(spec: Pick<ProcessSpec, 'command' | 'args' | 'netns'>): [string, string[]] {
  if (!spec.netns) return [spec.command, [...spec.args]];
  return ['nsenter', [`--net=/run/netns/${spec.netns}`, '--', spec.command, ...spec.args]];
}

/**
 * The wait before restart number `failuresInARow` (1 = the first): doubling from 0.5 s like the kubelet's CrashLoopBackOff,
 * but capped at 5 s rather than 5 minutes: a control plane on one machine should be back as soon as it can be.
 */
export function restartDelayMs(failuresInARow: number): number {
  return Math.min(5_000, 500 * 2 ** Math.max(0, failuresInARow - 1));
}

/** A run that lasted this long counts as healthy: the next crash starts the back-off over. */
const STABLE_RUN_MS = 30_000;

/** A log line as a person reads it: zap's JSON as `msg: error`, klog's without its header (level, time, pid, file). */
function readable(line: string): string {
  if (line.startsWith('{')) {
    try {
      const entry = JSON.parse(line) as { msg?: string; error?: string };
      if (entry.msg) return entry.error ? `${entry.msg}: ${entry.error}` : entry.msg;
    } catch {
      // not JSON after all
    }
  }
  return line.replace(/^[IWEF]\d{4} [\d:.]+\s+\d+ [^\]]+\] /, '');
}

/** The lines of a log that say why a process stopped: klog's E/F lines, zap's error levels, else the last lines. */
export function reasonFromLog(text: string, count = 2): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const isError = (line: string) =>
    /^[EF]\d{4} /.test(line) || /"level":"(error|fatal|panic)"/.test(line) || /\b(fatal|panic|error)\b/i.test(line);
  const errors = lines.filter(isError);
  const chosen = [...new Set((errors.length ? errors : lines).map(readable))].slice(-count);
  return chosen.map((line) => (line.length > 300 ? `${line.slice(0, 300)}...` : line)).join(' | ');
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? signal : `exit ${code ?? '?'}`;
}

export class SupervisedProcess {
  readonly spec: ProcessSpec;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private state: ProcessState = 'stopped';
  private restarts = 0;
  private failuresInARow = 0;
  private lastExit: string | undefined;
  private stopping = false;
  private supervising = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private logOffset = 0;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
  }

  /** Spawns it and resolves once healthy; if it exits or stays unhealthy, rejects with the reason from its log. */
  async start(): Promise<void> {
    this.stopping = false;
    this.supervising = false;
    this.state = 'starting';
    this.spawnOnce();
    const outcome = await this.untilHealthy(this.spec.startTimeoutMs ?? 60_000);
    if (outcome !== 'healthy') {
      const reason = this.logSinceSpawn();
      await this.stop();
      this.state = 'failed';
      const how =
        outcome === 'timeout' ? `not healthy after ${(this.spec.startTimeoutMs ?? 60_000) / 1000} s` : `exited (${this.lastExit})`;
      throw new MeshError(`${this.spec.name} ${how} while starting: ${reason || 'nothing in its log'} (log: ${this.spec.logFile})`);
    }
    this.state = 'running';
    this.supervising = true;
  }

  /** SIGTERM, then SIGKILL after the stop timeout; no restart follows. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.supervising = false;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await this.exitsWithin(this.spec.stopTimeoutMs ?? 10_000))) {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
    rmSync(this.spec.pidFile, { force: true });
    this.state = 'stopped';
  }

  status(): ProcessStatus {
    const running = this.child && this.child.exitCode === null && this.child.signalCode === null;
    return {
      name: this.spec.name,
      state: this.state,
      ...(running && this.child?.pid !== undefined && { pid: this.child.pid }),
      restarts: this.restarts,
      ...(this.lastExit !== undefined && { lastExit: this.lastExit }),
      log: this.spec.logFile,
    };
  }

  private spawnOnce(): void {
    const { spec } = this;
    mkdirSync(dirname(spec.logFile), { recursive: true });
    mkdirSync(dirname(spec.pidFile), { recursive: true });
    const fd = openSync(spec.logFile, 'a', 0o644);
    this.logOffset = statSync(spec.logFile).size;
    writeSync(fd, `--- ${new Date().toISOString()} ${spec.name} started${this.restarts ? ` (restart ${this.restarts})` : ''}\n`);
    const [command, args] = processArgv(spec);
    // Its own process group: a Ctrl-C in the user's terminal reaches the supervisor, which stops the parts in order.
    const child = spawn(command, args, { env: spec.env ?? process.env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    this.child = child;
    const startedAt = Date.now();
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.lastExit = error.message;
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.lastExit = describeExit(code, signal);
        resolve();
        this.afterExit(Date.now() - startedAt);
      });
    });
    if (child.pid !== undefined) writeFileSync(spec.pidFile, `${child.pid}\n${spec.command}\n`);
  }

  /** A supervised process that died is started again after the back-off; a stopped or starting one is not. */
  private afterExit(ranMs: number): void {
    if (!this.supervising || this.stopping) return;
    this.failuresInARow = ranMs >= STABLE_RUN_MS ? 1 : this.failuresInARow + 1;
    this.state = 'restarting';
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.restarts++;
      this.spawnOnce();
      void this.untilHealthy(this.spec.startTimeoutMs ?? 60_000).then((outcome) => {
        if (outcome === 'healthy' && !this.stopping) this.state = 'running';
        // Up but never healthy: kill it, and the exit brings the next restart.
        else if (outcome === 'timeout') this.child?.kill('SIGKILL');
      });
    }, restartDelayMs(this.failuresInARow));
  }

  /** Whether the current run ends within `ms`; the timer is cleared either way (a pending one would hold the caller's process). */
  private async exitsWithin(ms: number): Promise<boolean> {
    const timer = new AbortController();
    try {
      return await Promise.race([this.exited.then(() => true), sleep(ms, false, { signal: timer.signal })]);
    } finally {
      timer.abort();
    }
  }

  private async untilHealthy(timeoutMs: number): Promise<'healthy' | 'exited' | 'timeout'> {
    const child = this.child;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    const deadline = Date.now() + timeoutMs;
    for (let wait = 50; Date.now() < deadline; wait = Math.min(250, wait * 2)) {
      if (exited || this.stopping || child !== this.child) return 'exited';
      if (await this.spec.healthy()) return exited ? 'exited' : 'healthy';
      await sleep(wait);
    }
    return 'timeout';
  }

  private logSinceSpawn(): string {
    try {
      return reasonFromLog(readFileSync(this.spec.logFile, 'utf8').slice(this.logOffset));
    } catch {
      return '';
    }
  }
}
