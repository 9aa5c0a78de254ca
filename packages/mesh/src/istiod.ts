// istiod (local-istiod: Istio's bootstrap with an in-memory API server): its process, its object API, its xDS status.
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { ISTIOD_IP } from './addresses.ts';
import type { ProxySync } from './istiod-sync.ts';
import type { KubeObject } from './kube.ts';
import { createPodNetwork, NETNS_PREFIX } from './network.ts';
import { ISTIO_NAMESPACE, ISTIOD_ENV } from './platform.ts';
import { type ContainerProcess, spawnContainer } from './process.ts';
import type { Tools } from './tools.ts';

export const ISTIOD_NETNS = `${NETNS_PREFIX}istiod`;

export interface ApplyResult {
  readonly created: string[];
  readonly updated: string[];
  readonly deleted: string[];
}

export class Istiod {
  readonly process: ContainerProcess;
  private readonly socket: string;

  private constructor(process: ContainerProcess, socket: string) {
    this.process = process;
    this.socket = socket;
  }

  /** Starts istiod in its own namespace on the bridge (pods reach xDS at ISTIOD_IP:15010) and waits until ready. */
  static async start(tools: Tools, runDir: string, meshConfigFile: string): Promise<Istiod> {
    await createPodNetwork(ISTIOD_NETNS, ISTIOD_IP, ISTIO_NAMESPACE);
    const socket = join(runDir, 'istiod.sock');
    const process = spawnContainer({
      netns: ISTIOD_NETNS,
      uid: 0,
      gid: 0,
      command: tools.localIstiod,
      args: ['serve', '--address', ISTIOD_IP, '--api-socket', socket, '--mesh-config', meshConfigFile, '--log-level', 'warn'],
      cwd: runDir,
      env: { PATH: '/usr/bin:/bin', ...ISTIOD_ENV },
      logFile: join(runDir, 'logs', 'istiod.log'),
    });
    const istiod = new Istiod(process, socket);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (!process.running) throw new Error(`istiod exited (${await process.exited}); see ${join(runDir, 'logs', 'istiod.log')}`);
      if ((await istiod.call('GET', '/ready').catch(() => ({ status: 0 }))).status === 200) return istiod;
      await sleep(100);
    }
    throw new Error('istiod was not ready within 60 s');
  }

  /** Replaces every object the API server holds (create, update, delete to match), like `kubectl apply --prune`. */
  async replaceObjects(objects: readonly KubeObject[]): Promise<ApplyResult> {
    const body = objects.map((o) => stringify(o)).join('---\n');
    const { status, text } = await this.call('PUT', '/objects', body);
    const parsed = JSON.parse(text) as ApplyResult & { error?: string };
    if (status !== 200) throw new Error(`the API server refused the objects: ${parsed.error ?? text}`);
    return parsed;
  }

  async syncz(): Promise<ProxySync[]> {
    const { status, text } = await this.call('GET', '/debug/syncz');
    if (status !== 200) throw new Error(`istiod /debug/syncz answered ${status}`);
    return JSON.parse(text) as ProxySync[];
  }

  async pushes(): Promise<PushState> {
    const { status, text } = await this.call('GET', '/pushes');
    if (status !== 200) throw new Error(`istiod /pushes answered ${status}`);
    return JSON.parse(text) as PushState;
  }

  async debug(path: string): Promise<string> {
    const { status, text } = await this.call('GET', `/debug/${path}`);
    if (status !== 200) throw new Error(`istiod /debug/${path} answered ${status}`);
    return text;
  }

  private call(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socket, method, path, timeout: 30_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('timeout', () => req.destroy(new Error(`istiod ${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** istiod's progress with the changes it was sent (local-istiod GET /pushes, from its discovery server). */
export interface PushState {
  /** Config changes received (an object write becomes one or more of these, once istiod's informers see it). */
  readonly inbound: number;
  /** Changes folded into a push context: their pushes are queued for every proxy they concern. */
  readonly committed: number;
  /** Proxies waiting for a push, and proxies being pushed to right now. */
  readonly queued: number;
  readonly inFlight: number;
}

/** A change that concerns no proxy (a Route, a BuildConfig) never reaches istiod's counters: past this, stop waiting. */
export const IGNORED_CHANGE_MS = 2000;

/**
 * Whether istiod has finished pushing a change made `sinceChangeMs` ago, when it had received `inboundBefore` changes:
 * it has received something since, folded all it received into a push context, and sent every queued push. Whether the
 * proxies accepted the pushes is unsynced()'s question. Until istiod's informers see the change and its debounce
 * (100 ms of quiet) ends, the proxies look "in sync", but only with the step before.
 */
export function pushesDone(state: PushState, inboundBefore: number, sinceChangeMs: number): boolean {
  const idle = state.committed === state.inbound && state.queued === 0 && state.inFlight === 0;
  return idle && (state.inbound > inboundBefore || sinceChangeMs > IGNORED_CHANGE_MS);
}
