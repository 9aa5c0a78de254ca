// Probes and lifecycle hooks as the kubelet runs them: HTTP GET, TCP connect, exec and sleep, with periods and thresholds.
import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Action, ProbePlan } from './plan.ts';

/** Where a container's probes and hooks go. */
export interface ProbeTarget {
  /** The pod's IP: where HTTP and TCP actions connect unless they name a host. */
  readonly host: string;
  /** Runs a command inside the container (the runner's part); resolves with its exit code. */
  readonly exec?: (command: readonly string[], timeoutMs: number) => Promise<number>;
}

/** One probe's or hook's result, with the kubelet's words for a failure. */
export interface Outcome {
  readonly ok: boolean;
  readonly message: string;
}

/** What the kubelet's probe client sends: its name and version, and no keep-alive (a fresh connection each time). */
const USER_AGENT = 'kube-probe/1.34';
/** The kubelet reads at most this much of a probe's answer. */
const BODY_LIMIT = 10 * 1024;

/** An AbortSignal that fires at the deadline or with `outer`, and a cleanup that leaves no timer or listener behind. */
function deadline(timeoutMs: number, outer?: AbortSignal): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = Number.isFinite(timeoutMs) ? setTimeout(() => controller.abort(), timeoutMs) : undefined;
  const forward = () => controller.abort();
  if (outer?.aborted) controller.abort();
  outer?.addEventListener('abort', forward, { once: true });
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    },
  };
}

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * A GET whose status decides: 200-399 is success (a redirect is not followed; the kubelet follows one only to the same
 * host). HTTPS is not verified, as the kubelet does not verify it; the connection is closed after the answer.
 */
function httpGet(action: Extract<Action, { kind: 'http' }>, host: string, signal: AbortSignal): Promise<Outcome> {
  const url = `${action.scheme}://${hostPort(host, action.port)}${action.path}`;
  const send = action.scheme === 'https' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let request: ClientRequest | undefined;
    const finish = (outcome: Outcome) => {
      request?.destroy();
      resolve(outcome);
    };
    request = send(url, {
      method: 'GET',
      agent: false,
      rejectUnauthorized: false,
      signal,
      headers: { 'user-agent': USER_AGENT, accept: '*/*', connection: 'close', ...action.headers },
    });
    request.on('response', (response) => {
      const code = response.statusCode ?? 0;
      const outcome =
        code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` };
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= BODY_LIMIT) finish(outcome);
      });
      response.on('end', () => finish(outcome));
      response.on('error', () => finish(outcome));
    });
    request.on('error', (error) => {
      const why = signal.aborted ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : error.message;
      finish({ ok: false, message: `Get "${url}": ${why}` });
    });
    request.end();
  });
}

/** A TCP connect, closed as soon as it is made. */
function tcpConnect(host: string, port: number, signal: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, signal });
    const finish = (outcome: Outcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => finish({ ok: true, message: '' }));
    socket.once('error', (error) => {
      const why = signal.aborted ? 'i/o timeout' : error.message;
      finish({ ok: false, message: `dial tcp ${hostPort(host, port)}: ${why}` });
    });
  });
}

async function execIn(command: readonly string[], target: ProbeTarget, timeoutMs: number, signal: AbortSignal): Promise<Outcome> {
  if (!target.exec) return { ok: false, message: 'exec is not available for this container' };
  const aborted = new Promise<number>((resolve) => signal.addEventListener('abort', () => resolve(-1), { once: true }));
  try {
    const code = await Promise.race([target.exec(command, timeoutMs), aborted]);
    if (code === 0) return { ok: true, message: '' };
    return { ok: false, message: code === -1 ? `command timed out: ${JSON.stringify(command)}` : `command exited with ${code}` };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** Runs one action against the container; never throws: a failure is an Outcome with the reason. */
export async function runAction(action: Action, target: ProbeTarget, timeoutMs: number, outer?: AbortSignal): Promise<Outcome> {
  const { signal, done } = deadline(timeoutMs, outer);
  try {
    switch (action.kind) {
      case 'http':
        return await httpGet(action, action.host ?? target.host, signal);
      case 'tcp':
        return await tcpConnect(target.host, action.port, signal);
      case 'exec':
        return await execIn(action.command, target, timeoutMs, signal);
      case 'sleep':
        await sleep(action.seconds * 1000, undefined, { signal }).catch(() => undefined);
        return { ok: true, message: '' };
    }
  } finally {
    done();
  }
}

/** A postStart or preStop hook that failed, with why. */
export class HookFailed extends Error {
  override readonly name = 'HookFailed';
}

/**
 * Runs a postStart or preStop hook to its end. Hooks have no timeout of their own: the caller's `signal` ends one (for
 * preStop, at the end of the grace period); a sleep cut short that way is not a failure.
 */
export async function runHandler(action: Action, target: ProbeTarget, signal?: AbortSignal): Promise<void> {
  const outcome = await runAction(action, target, Number.POSITIVE_INFINITY, signal);
  if (!outcome.ok) throw new HookFailed(outcome.message);
}

export type ProbeKind = 'readiness' | 'liveness' | 'startup';

export interface ProberEvents {
  /** The result changed, once the thresholds are met; `message` is the last probe's failure, '' on success. */
  readonly onChange?: (ok: boolean, message: string) => void;
  /** A liveness or startup probe crossed its failureThreshold: the container is to be restarted. */
  readonly onFailure?: (message: string) => void;
}

/**
 * One probe of one container run, as the kubelet's worker: first after initialDelay, then every period, each within
 * its timeout; the result changes only after failureThreshold failures or successThreshold successes in a row.
 * Readiness starts failed; liveness starts passed; startup starts unknown. A liveness or startup failure and a startup
 * success end the prober (the kubelet holds it until the container restarts; the runner makes a new one then).
 */
export class Prober {
  readonly kind: ProbeKind;
  private readonly plan: ProbePlan;
  private readonly target: ProbeTarget;
  private readonly events: ProberEvents;
  private current: boolean | undefined;
  private last: boolean | undefined;
  private streak = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private stopped = false;

  constructor(kind: ProbeKind, plan: ProbePlan, target: ProbeTarget, events: ProberEvents = {}) {
    this.kind = kind;
    this.plan = plan;
    this.target = target;
    this.events = events;
    this.current = kind === 'readiness' ? false : kind === 'liveness' ? true : undefined;
  }

  /** The probe's current result: undefined for a startup probe that has not decided yet. */
  get result(): boolean | undefined {
    return this.current;
  }

  start(): this {
    if (!this.stopped && !this.timer) this.timer = setTimeout(() => this.tick(), this.plan.initialDelayMs);
    return this;
  }

  /** No probe runs after this, the one in flight is aborted, and no event is called. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.inFlight?.abort();
  }

  /**
   * Probes now and restarts the period from here, unless a probe is under way or the initial delay has not passed: the
   * kubelet's manual trigger, which it fires at a started container that is not ready yet whenever it syncs the pod.
   */
  trigger(): void {
    if (this.stopped || this.inFlight || !this.timer || !this.delayed) return;
    clearTimeout(this.timer);
    void this.tick();
  }

  /** Whether the initial delay has passed (the first probe has been due). */
  private delayed = false;

  private async tick(): Promise<void> {
    this.delayed = true;
    const began = Date.now();
    this.inFlight = new AbortController();
    const outcome = await runAction(this.plan.action, this.target, this.plan.timeoutMs, this.inFlight.signal);
    this.inFlight = undefined;
    if (this.stopped) return;
    this.record(outcome);
    if (this.stopped) return;
    // A period from this probe's start, as the kubelet's ticker; a probe slower than its period is followed at once.
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.plan.periodMs - (Date.now() - began)));
  }

  private record(outcome: Outcome): void {
    this.streak = outcome.ok === this.last ? this.streak + 1 : 1;
    this.last = outcome.ok;
    if (this.streak < (outcome.ok ? this.plan.successThreshold : this.plan.failureThreshold)) return;
    const changed = this.current !== outcome.ok;
    this.current = outcome.ok;
    const ends = this.kind !== 'readiness' && (!outcome.ok || this.kind === 'startup');
    if (ends) this.stop();
    if (changed) this.events.onChange?.(outcome.ok, outcome.message);
    if (!outcome.ok && this.kind !== 'readiness') this.events.onFailure?.(outcome.message);
  }
}
