// One pod on the node from its sandbox to its deletion: volumes, init containers and native sidecars in order, the app
// containers, status reports, and graceful termination, in the kubelet's order.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ClusterConfig } from '../cluster/config.ts';
import { type ContainerHost, ContainerRunner } from './container-run.ts';
import { hostsFile, type PlanFacts, planPod, resolvConf } from './plan.ts';
import { podPaths, type writePodState } from './pod-files.ts';
import type { Pod, PodStatus } from './pod-types.ts';
import { createSandbox, deleteSandbox, type IstioCni, istioCniAdd, type Sandbox } from './sandbox.ts';
import { podStatus, type RunState, statusChanged, statusPatch } from './status.ts';
import { PodVolumes, type VolumeApi, VolumeNotReady } from './volumes.ts';

export interface RunnerDeps {
  readonly config: ClusterConfig;
  readonly cni: IstioCni;
  readonly volumeApi: VolumeApi;
  /** What planning reads from the API: service links, ConfigMaps and Secrets for env, the namespace's SCC uid. */
  factsFor(pod: Pod, podIP: string): Promise<PlanFacts>;
  /** The status subresource's merge patch. */
  report(pod: Pod, body: unknown): Promise<void>;
  /** The kubelet's last word on a pod: DELETE with grace 0 and its uid as precondition. */
  remove(pod: Pod): Promise<void>;
  /** An event on the pod (FailedMount, BackOff, Killing...), as `kubectl describe` shows them. */
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  writeState: typeof writePodState;
  say(line: string): void;
}

/** Waits, or less if the runner stops meanwhile. */
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export class PodRunner {
  private pod: Pod;
  private readonly deps: RunnerDeps;
  private readonly paths: ReturnType<typeof podPaths>;
  private readonly ip: string;
  private sandbox: Sandbox | undefined;
  private volumes: PodVolumes | undefined;
  private runners: ContainerRunner[] = [];
  /** Containers not started (yet): why, as the kubelet's waiting reason. */
  private waiting = new Map<string, RunState>();
  private terminal = false;
  private readonly stopped = new AbortController();
  private reporting: Promise<void> = Promise.resolve();
  private reportDue = false;
  private lastReported: PodStatus | undefined;
  private ended: Promise<void> | undefined;

  constructor(pod: Pod, dir: string, ip: string, deps: RunnerDeps) {
    this.pod = pod;
    this.deps = deps;
    this.paths = podPaths(dir);
    this.ip = ip;
    this.lastReported = pod.status;
  }

  get uid(): string {
    return this.pod.metadata.uid;
  }

  get podIP(): string {
    return this.ip;
  }

  /** A newer version of the pod from the watch: labels for the downward API, or a deletion to carry out. */
  update(pod: Pod): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp && !this.ended) this.ended = this.terminate();
    else void this.volumes?.refresh(pod).catch(() => {});
  }

  /** Sandbox, volumes, then the containers in the kubelet's order; returns once the pod is running (or has ended). */
  async start(): Promise<void> {
    const say = (line: string) => this.deps.say(`${this.pod.metadata.namespace}/${this.pod.metadata.name}: ${line}`);
    try {
      await this.makeSandbox();
      await this.mountVolumes();
      if (this.stopped.signal.aborted) return;
      await this.startContainers();
    } catch (error) {
      if (!this.stopped.signal.aborted) say((error as Error).message);
    }
  }

  private async makeSandbox(): Promise<void> {
    const { config } = this.deps;
    mkdirSync(this.paths.dir, { recursive: true });
    mkdirSync(`${this.paths.dir}/etc`, { recursive: true });
    writeFileSync(this.paths.etc.hosts, hostsFile(this.pod, this.ip));
    writeFileSync(this.paths.etc.hostname, `${(this.pod.spec.hostname ?? this.pod.metadata.name).slice(0, 63)}\n`);
    // dnsPolicy Default (CoreDNS itself) gets the node's own resolv.conf; every other pod the cluster's DNS.
    const dns =
      this.pod.spec.dnsPolicy === 'Default'
        ? readFileSync('/etc/resolv.conf', 'utf8')
        : resolvConf(this.pod.metadata.namespace ?? 'default', config.dnsServiceIP, config.clusterDomain);
    writeFileSync(this.paths.etc.resolvConf, dns);
    this.sandbox = await createSandbox(config, this.pod, this.ip);
    await istioCniAdd(config, this.deps.cni, this.pod, this.sandbox);
    this.writeState();
    this.changed();
  }

  /** Until every volume's source exists (istiod's root certificate appears only once istiod runs), as FailedMount. */
  private async mountVolumes(): Promise<void> {
    let delay = 500;
    let reported = '';
    while (!this.stopped.signal.aborted) {
      try {
        const facts = {
          podIP: this.ip,
          hostIP: this.deps.config.nodeIP,
          nodeName: this.deps.config.nodeName,
          allocatable: (await this.facts()).allocatable,
        };
        this.volumes = await PodVolumes.mount(this.pod, this.paths.volume, this.deps.volumeApi, facts, {
          onError: (error) => this.deps.say(`${this.pod.metadata.name}: volumes: ${error.message}`),
        });
        return;
      } catch (error) {
        if (!(error instanceof VolumeNotReady)) throw error;
        if (error.message !== reported) {
          reported = error.message;
          this.deps.event(this.pod, 'Warning', 'FailedMount', reported);
        }
        await pause(delay, this.stopped.signal);
        delay = Math.min(delay * 2, 4000);
      }
    }
  }

  private facts(): Promise<PlanFacts> {
    return this.deps.factsFor(this.pod, this.ip);
  }

  /** Plans every container; those that cannot start yet wait, and are planned again, as the kubelet retries them. */
  private async plan(): Promise<ContainerRunner[] | undefined> {
    for (let attempt = 0; !this.stopped.signal.aborted; attempt++) {
      const outcomes = planPod(this.pod, await this.facts());
      const problems = outcomes.flatMap((o) => (o.problem ? [o.problem] : []));
      this.waiting = new Map(
        problems.map((p) => [
          p.name,
          { kind: 'waiting', reason: p.reason === 'ErrImagePull' && attempt > 0 ? 'ImagePullBackOff' : p.reason, message: p.message },
        ]),
      );
      if (problems.length === 0) return outcomes.map((o) => this.runner(o.plan!));
      if (attempt === 0) for (const p of problems) this.deps.event(this.pod, 'Warning', 'Failed', p.message);
      this.changed();
      await pause(Math.min(2000 * 2 ** attempt, 20_000), this.stopped.signal);
    }
    return undefined;
  }

  private runner(plan: NonNullable<ReturnType<typeof planPod>[number]['plan']>): ContainerRunner {
    const policy = this.pod.spec.restartPolicy ?? 'Always';
    // Native sidecars always restart; init containers only while they fail (unless Never); apps by the policy.
    const restartOn =
      plan.role === 'sidecar'
        ? () => true
        : plan.role === 'init'
          ? (code: number) => code !== 0 && policy !== 'Never'
          : (code: number) => policy === 'Always' || (policy === 'OnFailure' && code !== 0);
    const host: ContainerHost = {
      podIP: this.ip,
      paths: (restart) => ({
        container: {
          dir: this.paths.rootfs(plan.name),
          netns: this.sandbox!.netnsPath,
          etc: this.paths.etc,
          volume: this.paths.volume,
          hostname: (this.pod.spec.hostname ?? this.pod.metadata.name).slice(0, 63),
        },
        log: this.paths.log(plan.name, restart),
      }),
      changed: () => {
        this.writeState();
        this.changed();
        this.checkCompleted();
        // Each change is a sync of the pod for the kubelet: it probes the started-but-unready containers at once.
        for (const runner of this.runners) runner.sync();
      },
      say: (line) => this.deps.say(`${this.pod.metadata.namespace}/${this.pod.metadata.name}: ${line}`),
    };
    return new ContainerRunner(plan, host, restartOn);
  }

  private async startContainers(): Promise<void> {
    const runners = await this.plan();
    if (!runners) return;
    this.runners = runners;
    for (const runner of runners.filter((r) => r.plan.role !== 'app')) {
      if (this.stopped.signal.aborted) return;
      if (!(await this.initialize(runner))) return;
    }
    for (const runner of runners.filter((r) => r.plan.role === 'app')) runner.start();
    this.changed();
  }

  /**
   * An init container runs to completion (restarted while it fails, unless the pod says Never); a native sidecar is
   * started and waited for until its startup probe passes. False when the pod cannot go on.
   */
  private async initialize(runner: ContainerRunner): Promise<boolean> {
    if (runner.plan.role === 'sidecar') {
      runner.start();
      while (!runner.isStarted && !this.stopped.signal.aborted) await pause(100, this.stopped.signal);
      return !this.stopped.signal.aborted;
    }
    const exit = runner.nextExit();
    runner.start();
    for (let end = await exit; !this.stopped.signal.aborted; end = await runner.nextExit()) {
      if (end.exitCode === 0) return true;
      if (this.pod.spec.restartPolicy === 'Never') return false;
    }
    return false;
  }

  /** A pod that runs to completion (restartPolicy Never or OnFailure) is done once its app containers have all ended. */
  private checkCompleted(): void {
    if ((this.pod.spec.restartPolicy ?? 'Always') === 'Always' || this.terminal || this.ended) return;
    const apps = this.runners.filter((r) => r.plan.role === 'app');
    if (apps.length === 0 || apps.some((r) => r.running)) return;
    const report = apps.map((r) => r.report());
    const failed = report.some((r) => r.state?.kind === 'exited' && r.state.exit.exitCode !== 0);
    if (this.pod.spec.restartPolicy === 'OnFailure' && failed) return;
    // Done: its sidecars are stopped too, and the pod keeps its final phase until someone deletes it.
    this.ended = (async () => {
      await Promise.all(this.runners.filter((r) => r.plan.role === 'sidecar').map((r) => r.stop(Date.now() + 5000)));
      this.terminal = true;
      this.changed();
    })();
  }

  /**
   * Deletion: the app containers' preStop hooks and SIGTERM, then (as with native sidecars) the sidecars in reverse
   * order, all within the grace period, SIGKILL at its end; then the sandbox, the volumes, and the pod object itself.
   */
  private async terminate(): Promise<void> {
    const grace = this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30;
    const deadline = Date.now() + grace * 1000;
    this.deps.event(this.pod, 'Normal', 'Killing', `Stopping containers (grace period ${grace} s)`);
    this.stopped.abort();
    await Promise.all(this.runners.filter((r) => r.plan.role === 'app').map((r) => r.stop(deadline)));
    for (const sidecar of this.runners.filter((r) => r.plan.role !== 'app').reverse()) await sidecar.stop(deadline);
    this.terminal = true;
    this.changed();
    await this.reporting;
    await this.cleanUp();
    await this.deps.remove(this.pod).catch((error: Error) => this.deps.say(`${this.pod.metadata.name}: delete: ${error.message}`));
  }

  /** Everything of the pod on the node goes: volumes (tmpfs unmounted), its network namespace, its files. */
  async cleanUp(): Promise<void> {
    this.stopped.abort();
    await this.volumes?.close();
    if (this.sandbox) await deleteSandbox(this.sandbox);
    rmSync(this.paths.dir, { recursive: true, force: true });
  }

  /** Stops every container now (mesh down): 2 s each, no hooks, nothing reported. */
  async kill(): Promise<void> {
    this.stopped.abort();
    const deadline = Date.now() + 2000;
    await Promise.all(this.runners.map((r) => r.stop(deadline, false)));
    await this.cleanUp();
  }

  private writeState(): void {
    if (!this.sandbox) return;
    this.deps.writeState(this.paths.state, {
      namespace: this.pod.metadata.namespace ?? 'default',
      name: this.pod.metadata.name,
      uid: this.pod.metadata.uid,
      podIP: this.ip,
      netns: this.sandbox.netnsPath,
      containers: this.runners.map((r) => ({ name: r.plan.name, pid: r.pid, restartCount: r.restarts })),
    });
  }

  /** The pod's status, patched when it differs from the last one written; changes close together go in one write. */
  private changed(): void {
    if (this.reportDue) return;
    this.reportDue = true;
    this.reporting = this.reporting.then(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      this.reportDue = false;
      const planned = new Set(this.runners.map((r) => r.plan.name));
      const all = [...(this.pod.spec.initContainers ?? []), ...this.pod.spec.containers].map((c) => c.name);
      const containers = all.map((name) => {
        const runner = this.runners.find((r) => r.plan.name === name);
        if (runner) return runner.report();
        const waiting = this.waiting.get(name);
        return { name, restartCount: 0, started: false, ready: false, ...(waiting && !planned.has(name) && { state: waiting }) };
      });
      const status = podStatus(
        this.pod,
        {
          containers,
          sandboxReady: this.sandbox !== undefined,
          podIP: this.ip,
          hostIP: this.deps.config.nodeIP,
          terminal: this.terminal,
          now: new Date(),
        },
        this.lastReported,
      );
      if (!statusChanged(status, this.lastReported)) return;
      try {
        await this.deps.report(this.pod, statusPatch(this.pod, status));
        this.lastReported = status;
      } catch (error) {
        this.deps.say(`${this.pod.metadata.name}: status: ${(error as Error).message}`);
      }
    });
  }
}
