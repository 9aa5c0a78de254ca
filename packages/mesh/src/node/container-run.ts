// One container of a pod through its life, as the kubelet keeps it: started, probed, restarted with back-off, stopped.
import { execFile } from 'node:child_process';
import { type ContainerProcess, startContainer } from './container-process.ts';
import type { ContainerPaths } from './launcher.ts';
import type { Action, ContainerPlan } from './plan.ts';
import { Prober, type ProbeTarget, runHandler } from './probes.ts';
import type { ContainerRun as ContainerReport, Exit, RunState } from './status.ts';

/** The kubelet's restart back-off: at once the first time, then 10 s doubling to a cap (5 min on a node; 40 s here). */
export function backOffMs(restarts: number): number {
  return restarts === 0 ? 0 : Math.min(10_000 * 2 ** (restarts - 1), 40_000);
}

export interface ContainerHost {
  readonly podIP: string;
  readonly paths: (restart: number) => { container: ContainerPaths; log: string };
  /** Something changed that the pod's status shows. */
  changed(): void;
  say(line: string): void;
}

/** Runs a command inside the container, as its user, as `kubectl exec` and an exec probe or hook do. */
export function execIn(pid: number, plan: ContainerPlan, command: readonly string[], timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      'nsenter',
      [
        `--target=${pid}`,
        '--mount',
        '--net',
        '--uts',
        '--root',
        '--wd',
        '--',
        'setpriv',
        `--reuid=${plan.uid}`,
        `--regid=${plan.gid}`,
        '--clear-groups',
        '--',
        ...command,
      ],
      { timeout: timeoutMs, env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } },
      (error) => resolve(error ? (typeof error.code === 'number' ? error.code : 1) : 0),
    );
  });
}

export class ContainerRunner {
  readonly plan: ContainerPlan;
  private readonly host: ContainerHost;
  private process: ContainerProcess | undefined;
  private restartCount = -1;
  private state: RunState | undefined;
  private last: Exit | undefined;
  private started = false;
  private ready = false;
  private probers: Prober[] = [];
  private stopping = false;
  private retry: NodeJS.Timeout | undefined;
  /** Whether it is to run again after it ends (the pod's restartPolicy, or Always for a native sidecar). */
  private readonly restartOn: (exitCode: number) => boolean;
  /** Resolves with each run's end: an init container's caller waits on it. */
  private waiters: ((exit: Exit) => void)[] = [];

  constructor(plan: ContainerPlan, host: ContainerHost, restartOn: (exitCode: number) => boolean) {
    this.plan = plan;
    this.host = host;
    this.restartOn = restartOn;
  }

  get pid(): number {
    return this.process?.running ? this.process.pid : 0;
  }

  get restarts(): number {
    return Math.max(0, this.restartCount);
  }

  get isStarted(): boolean {
    return this.started;
  }

  get isReady(): boolean {
    return this.ready;
  }

  get running(): boolean {
    return this.process?.running === true;
  }

  /** What the pod's status says of it. */
  report(): ContainerReport {
    return {
      name: this.plan.name,
      imageID: this.plan.imageID,
      restartCount: this.restarts,
      ...(this.state && { state: this.state }),
      ...(this.last && { last: this.last }),
      started: this.started,
      ready: this.ready,
    };
  }

  /** Starts the first run; later ones follow by themselves as the restart policy says. */
  start(): void {
    this.run();
  }

  /** The next end of a run: an init container is done when it ends with 0. */
  nextExit(): Promise<Exit> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A sync of the pod: a started container that is not ready yet is probed for readiness now, as the kubelet does. */
  sync(): void {
    if (this.started && !this.ready) for (const prober of this.probers) if (prober.kind === 'readiness') prober.trigger();
  }

  /** The action of a hook or probe, aimed at this container. */
  target(): ProbeTarget {
    return { host: this.host.podIP, exec: (command, timeoutMs) => execIn(this.pid, this.plan, command, timeoutMs) };
  }

  private run(): void {
    this.restartCount += 1;
    const { container, log } = this.host.paths(this.restartCount);
    this.started = !this.plan.startup;
    this.ready = !this.plan.readiness && this.plan.role !== 'init';
    const process = startContainer(this.plan, container, log);
    this.process = process;
    this.state = { kind: 'running', startedAt: process.startedAt };
    this.probe();
    this.host.changed();
    void process.exited.then((end) => this.ended(process, end.code, end.at));
  }

  private ended(process: ContainerProcess, exitCode: number, at: Date): void {
    if (this.process !== process) return;
    for (const prober of this.probers) prober.stop();
    this.probers = [];
    // Whatever the app left behind (Envoy under pilot-agent) goes with it, as its cgroup would.
    process.kill();
    const exit: Exit = { exitCode, startedAt: process.startedAt, finishedAt: at };
    this.last = exit;
    this.ready = false;
    this.state = { kind: 'exited', exit };
    for (const waiter of this.waiters.splice(0)) waiter(exit);
    if (!this.stopping && this.restartOn(exitCode)) {
      const delayMs = backOffMs(this.restartCount);
      this.host.say(`${this.plan.name}: exited (${exitCode}); restarting${delayMs ? ` in ${delayMs / 1000} s` : ''}`);
      if (delayMs) this.state = { kind: 'backoff', delayMs };
      this.retry = setTimeout(() => {
        if (!this.stopping) this.run();
      }, delayMs);
    }
    this.host.changed();
  }

  /** Startup first; readiness and liveness once it has passed (or when there is none), as the kubelet orders them. */
  private probe(): void {
    const target = this.target();
    const afterStartup = () => {
      this.started = true;
      this.host.changed();
      if (this.plan.readiness) {
        this.probers.push(
          new Prober('readiness', this.plan.readiness, target, {
            onChange: (ok) => {
              this.ready = ok;
              this.host.changed();
            },
          }).start(),
        );
      } else if (this.plan.role !== 'init') {
        this.ready = true;
      }
      if (this.plan.liveness)
        this.probers.push(
          new Prober('liveness', this.plan.liveness, target, { onFailure: (message) => this.unhealthy('liveness', message) }).start(),
        );
    };
    if (!this.plan.startup) {
      afterStartup();
      return;
    }
    this.probers.push(
      new Prober('startup', this.plan.startup, target, {
        onChange: (ok) => {
          if (ok) afterStartup();
        },
        onFailure: (message) => this.unhealthy('startup', message),
      }).start(),
    );
  }

  /** A failed liveness or startup probe: the container is stopped (gracefully) and restarted, as the kubelet does. */
  private unhealthy(kind: string, message: string): void {
    this.host.say(`${this.plan.name}: ${kind} probe failed (${message}); restarting it`);
    const process = this.process;
    if (!process?.running) return;
    process.signal('SIGTERM');
    setTimeout(() => process.kill(), 10_000).unref();
  }

  /**
   * Stops it for good: its preStop hook, SIGTERM, and SIGKILL at `deadline` (the pod's grace period). Resolves once
   * it has ended.
   */
  async stop(deadline: number, preStop = true): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retry);
    const process = this.process;
    if (!process?.running) return;
    const kill = setTimeout(() => process.kill(), Math.max(0, deadline - Date.now()));
    try {
      if (preStop && this.plan.preStop) await this.hook(this.plan.preStop, deadline);
      process.signal('SIGTERM');
      await process.exited;
    } finally {
      clearTimeout(kill);
    }
  }

  private async hook(action: Action, deadline: number): Promise<void> {
    const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    await runHandler(action, this.target(), signal).catch((error: Error) => this.host.say(`${this.plan.name}: preStop: ${error.message}`));
  }
}
