// A pod's status as the kubelet reports it (phase, conditions, container statuses), from what the runner knows (pure).
import { isDeepStrictEqual } from 'node:util';
import type { ContainerSpec, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from './pod-types.ts';

/** How a run of a container ended. */
export interface Exit {
  /** 128 + the signal's number for a process a signal ended, as runtimes report it. */
  readonly exitCode: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** The kernel's OOM killer ended it: reason OOMKilled. */
  readonly oomKilled?: boolean;
  /** Instead of Completed/Error, e.g. StartError when the process could not be started at all. */
  readonly reason?: string;
  readonly message?: string;
}

/** What a container is doing now. */
export type RunState =
  /** Not running and not about to: ErrImagePull, ImagePullBackOff, CreateContainerConfigError, ContainerCreating. */
  | { readonly kind: 'waiting'; readonly reason: string; readonly message?: string }
  /** Waiting out the restart back-off after a failed run: CrashLoopBackOff. */
  | { readonly kind: 'backoff'; readonly delayMs: number }
  | { readonly kind: 'running'; readonly startedAt: Date }
  | { readonly kind: 'exited'; readonly exit: Exit };

/** The runner's view of one container. */
export interface ContainerRun {
  readonly name: string;
  /** The image's ID (the plan's); absent while the image is unknown. */
  readonly imageID?: string;
  /** The number of the latest run (0 for the first): the kubelet's restartCount. */
  readonly restartCount: number;
  /** Absent: not created yet (the kubelet's default waiting state). */
  readonly state?: RunState;
  /** The previous run's end (lastState). */
  readonly last?: Exit;
  /** The startup probe has passed, or there is none. */
  readonly started: boolean;
  /** The readiness probe passes, or there is none. */
  readonly ready: boolean;
}

/** The runner's view of the pod. */
export interface PodRun {
  readonly containers: readonly ContainerRun[];
  /** The network namespace is made and addressed (PodReadyToStartContainers). */
  readonly sandboxReady: boolean;
  readonly podIP?: string;
  readonly hostIP: string;
  /** Every container has stopped for good (the pod is being deleted): the phase is final whatever the restartPolicy. */
  readonly terminal?: boolean;
  readonly now: Date;
}

type Role = 'init' | 'sidecar' | 'app';

/** A time as the API stores it (RFC 3339, whole seconds): anything finer would differ from what is read back. */
export function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A Go duration of whole seconds, as the kubelet's messages print one: 10s, 1m20s, 5m0s. */
function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  if (h) return `${h}h${m}m${s}s`;
  return m ? `${m}m${s}s` : `${s}s`;
}

/** The kubelet's CrashLoopBackOff message. */
export function backOffMessage(pod: Pod, container: string, delayMs: number): string {
  const { name, namespace, uid } = pod.metadata;
  return `back-off ${goDuration(delayMs)} restarting failed container=${container} pod=${name}_${namespace ?? 'default'}(${uid})`;
}

function terminated(exit: Exit): ContainerState {
  const reason = exit.reason ?? (exit.oomKilled ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error');
  return {
    terminated: {
      exitCode: exit.exitCode,
      reason,
      startedAt: kubeTime(exit.startedAt),
      finishedAt: kubeTime(exit.finishedAt),
      ...(exit.message && { message: exit.message }),
    },
  };
}

function stateOf(state: RunState | undefined, pod: Pod, name: string): ContainerState {
  // Before a container is made the kubelet says PodInitializing in a pod with init containers, else ContainerCreating.
  if (!state) return { waiting: { reason: pod.spec.initContainers?.length ? 'PodInitializing' : 'ContainerCreating' } };
  switch (state.kind) {
    case 'waiting':
      return { waiting: { reason: state.reason, ...(state.message && { message: state.message }) } };
    case 'backoff':
      return { waiting: { reason: 'CrashLoopBackOff', message: backOffMessage(pod, name, state.delayMs) } };
    case 'running':
      return { running: { startedAt: kubeTime(state.startedAt) } };
    case 'exited':
      return terminated(state.exit);
  }
}

/**
 * One container's status. `started` needs a running process whose startup probe passed; `ready` is, for an init
 * container, having exited 0, and for a sidecar or an app container, started and passing its readiness probe.
 */
function containerStatus(spec: ContainerSpec, role: Role, run: ContainerRun | undefined, pod: Pod): ContainerStatus {
  const state = run?.state;
  const running = state?.kind === 'running';
  const started = running && run!.started;
  const ready = role === 'init' ? state?.kind === 'exited' && state.exit.exitCode === 0 : started && run!.ready;
  const created = run !== undefined && ((state !== undefined && state.kind !== 'waiting') || run.last !== undefined);
  return {
    name: spec.name,
    image: spec.image,
    imageID: run?.imageID ?? '',
    ...(created && { containerID: `local://${pod.metadata.uid}/${spec.name}/${run.restartCount}` }),
    ready,
    started,
    restartCount: run?.restartCount ?? 0,
    state: stateOf(state, pod, spec.name),
    lastState: run?.last ? terminated(run.last) : {},
  };
}

const hasRun = (s: ContainerStatus) => s.state.running !== undefined || s.state.terminated !== undefined;
const exitedWith = (state: ContainerState) => state.terminated?.exitCode;

/** The kubelet's getPhase: init containers first, then only the app containers count (sidecars never make it final). */
type Phase = NonNullable<PodStatus['phase']>;

function phaseOf(pod: Pod, init: readonly ContainerStatus[], apps: readonly ContainerStatus[], terminal: boolean): Phase {
  let pendingInit = 0;
  let pendingSidecars = 0;
  let failedInit = 0;
  for (const [i, spec] of (pod.spec.initContainers ?? []).entries()) {
    const status = init[i]!;
    if (spec.restartPolicy === 'Always') {
      if (!status.started) pendingSidecars++;
    } else if (status.state.terminated) {
      if (status.state.terminated.exitCode !== 0) failedInit++;
    } else if (status.state.waiting && status.lastState.terminated) {
      if (status.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const status of apps) {
    if (status.state.running) running++;
    else if (status.state.terminated) {
      stopped++;
      if (exitedWith(status.state) === 0) succeeded++;
    } else if (status.lastState.terminated) stopped++;
    else waiting++;
  }
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  // A sidecar that restarts after the app containers have started does not make the pod Pending again.
  if (pendingInit > 0 || (pendingSidecars > 0 && !apps.some(hasRun))) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === 0) return 'Pending';
  if (terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
  if (policy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  return policy === 'Never' ? 'Failed' : 'Running';
}

/** `[a b]`: a Go []string in the kubelet's messages. */
const goList = (names: readonly string[]) => `[${names.join(' ')}]`;

type Condition = Omit<PodCondition, 'lastTransitionTime'>;

function initializedCondition(pod: Pod, init: readonly ContainerStatus[], apps: readonly ContainerStatus[], phase: string): Condition {
  const incomplete = (pod.spec.initContainers ?? [])
    .filter((spec, i) => (spec.restartPolicy === 'Always' ? !init[i]!.started : !init[i]!.ready))
    .map((spec) => spec.name);
  if (phase === 'Succeeded') return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  // Once an app container has run, the pod stays initialized while a sidecar restarts.
  if (incomplete.length === 0 || apps.some(hasRun)) return { type: 'Initialized', status: 'True' };
  const message = `containers with incomplete status: ${goList(incomplete)}`;
  return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message };
}

/** ContainersReady counts the sidecars with the app containers; Ready says the same (no readiness gates here). */
function readyConditions(pod: Pod, init: readonly ContainerStatus[], apps: readonly ContainerStatus[], phase: string): Condition[] {
  const sidecars = init.filter((_, i) => pod.spec.initContainers?.[i]?.restartPolicy === 'Always');
  const unready = [...sidecars, ...apps].filter((s) => !s.ready).map((s) => s.name);
  let ready: Omit<Condition, 'type'> = { status: 'True' };
  if (phase === 'Succeeded') ready = { status: 'False', reason: 'PodCompleted' };
  else if (unready.length)
    ready = { status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: ${goList(unready)}` };
  return [
    { type: 'Ready', ...ready },
    { type: 'ContainersReady', ...ready },
  ];
}

/** The conditions with their transition times: kept from `previous` while a condition's status is unchanged. */
function stamp(conditions: readonly Condition[], previous: PodStatus | undefined, now: string): PodCondition[] {
  return conditions.map((condition) => {
    const before = previous?.conditions?.find((c) => c.type === condition.type);
    const lastTransitionTime = before?.status === condition.status ? before.lastTransitionTime : now;
    return { ...condition, lastTransitionTime };
  });
}

const OWNED = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'];

/**
 * The pod's status from the runner's view; `previous` (the status the API holds) keeps transition times, the start
 * time, conditions others own (PodScheduled, the scheduler's) and a final phase (Succeeded or Failed never changes).
 */
export function podStatus(pod: Pod, run: PodRun, previous: PodStatus | undefined = pod.status): PodStatus {
  const runOf = (name: string) => run.containers.find((c) => c.name === name);
  const init = (pod.spec.initContainers ?? []).map((spec) =>
    containerStatus(spec, spec.restartPolicy === 'Always' ? 'sidecar' : 'init', runOf(spec.name), pod),
  );
  const apps = pod.spec.containers.map((spec) => containerStatus(spec, 'app', runOf(spec.name), pod));
  const before = previous?.phase;
  const phase = before === 'Succeeded' || before === 'Failed' ? before : phaseOf(pod, init, apps, run.terminal === true);
  const now = kubeTime(run.now);
  const ours = stamp(
    [
      { type: 'PodReadyToStartContainers', status: run.sandboxReady ? 'True' : 'False' },
      initializedCondition(pod, init, apps, phase),
      ...readyConditions(pod, init, apps, phase),
    ],
    previous,
    now,
  );
  const others = (previous?.conditions ?? []).filter((c) => !OWNED.includes(c.type));
  return {
    phase,
    conditions: [...ours, ...others],
    hostIP: run.hostIP,
    hostIPs: [{ ip: run.hostIP }],
    ...(run.podIP && { podIP: run.podIP, podIPs: [{ ip: run.podIP }] }),
    startTime: previous?.startTime ?? now,
    ...(init.length > 0 && { initContainerStatuses: init }),
    // The kubelet lists app containers by name, init containers in their order.
    containerStatuses: [...apps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/**
 * The body of a merge patch to `/api/v1/namespaces/NS/pods/NAME/status`: the whole status (its arrays replace the
 * stored ones whole), and the pod's uid, so the patch fails rather than lands on a new pod of the same name.
 */
export function statusPatch(pod: Pod, status: PodStatus): { metadata: { uid: string }; status: PodStatus } {
  return { metadata: { uid: pod.metadata.uid }, status };
}

/** A status without what the API adds or drops (nulls, lastProbeTime, fields we do not write), conditions in type order. */
function comparable(status: PodStatus | undefined): unknown {
  if (!status) return undefined;
  const { phase, conditions, podIP, podIPs, hostIP, hostIPs, startTime, containerStatuses, initContainerStatuses } = status;
  const sorted = [...(conditions ?? [])]
    .map(({ type, status: value, reason, message, lastTransitionTime }) => ({ type, value, reason, message, lastTransitionTime }))
    .sort((a, b) => (a.type < b.type ? -1 : 1));
  const owned = { phase, conditions: sorted, podIP, podIPs, hostIP, hostIPs, startTime, containerStatuses, initContainerStatuses };
  return JSON.parse(JSON.stringify(owned, (_key, value: unknown) => (value === null ? undefined : value)));
}

/** Whether `next` says anything the stored status does not: a patch is sent only then. */
export function statusChanged(next: PodStatus, previous: PodStatus | undefined): boolean {
  return !isDeepStrictEqual(comparable(next), comparable(previous));
}
