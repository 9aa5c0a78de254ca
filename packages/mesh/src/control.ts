// The supervisor's control API (HTTP over a unix socket) and its client: apply a step, read the status, shut down.
import { request } from 'node:http';
import { join } from 'node:path';
import type { ProcessStatus } from './cluster/processes.ts';
import { MeshError } from './errors.ts';
import type { Rejection } from './istiod-sync.ts';

/** Runtime state of the one local mesh a machine can run (its namespaces and ports are machine-wide too). */
export const RUN_DIR = process.env.MESH_DEMO_RUN_DIR ?? '/run/mesh-demo';
export const CONTROL_SOCKET = join(RUN_DIR, 'control.sock');

export interface PodStatus {
  readonly namespace: string;
  readonly name: string;
  readonly workload: string;
  readonly ip: string;
  readonly netns: string;
  readonly proxy: 'sidecar' | 'router' | null;
  readonly phase: string;
  readonly ready: boolean;
  readonly restarts: number;
  /** The service its app container runs (for `mesh exec`), when it has one. */
  readonly service: string | null;
  readonly labels: Record<string, string>;
}

export interface EdgeStatus {
  readonly app: string;
  readonly url: string;
  readonly host: string;
  readonly target: string;
  readonly endpoints: number;
}

export interface MeshStatus {
  readonly startedAt: number;
  readonly files: readonly string[];
  readonly ignored: readonly string[];
  readonly edge: readonly EdgeStatus[];
  readonly pods: readonly PodStatus[];
  readonly unsynced: readonly string[];
  readonly rejected: readonly Rejection[];
  readonly runDir: string;
  /** The control plane's processes (etcd, the API server, ..., node-api, the edge): state, pid and restarts. */
  readonly processes: readonly ProcessStatus[];
  /** Where the traces are: Jaeger's query API (what `./pnpmw trace` reads) and the trace UI. */
  readonly traces: { readonly query: string; readonly ui: string };
  /**
   * Set while the API server does not answer (it is restarting, say): pods and proxies are then unknown, not absent,
   * and the processes above tell what is happening.
   */
  readonly apiError?: string;
  /** Set while istiod does not answer: which proxies hold its latest push is then unknown (not "all of them"). */
  readonly configError?: string;
}

/** Lines streamed back while a request runs, then one final outcome. */
export type ControlEvent = { type: 'progress'; line: string } | { type: 'done'; line?: string } | { type: 'error'; message: string };

export class NotRunning extends MeshError {
  constructor() {
    super('no local mesh is running (start one with ./pnpmw mesh up)');
  }
}

/** GET /status, or NotRunning when nothing answers on the socket. */
export function getStatus(socket = CONTROL_SOCKET): Promise<MeshStatus> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: '/status', timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(JSON.parse(text) as MeshStatus) : reject(new Error(`status: ${res.statusCode} ${text}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('the supervisor did not answer /status within 30 s')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? new NotRunning() : error),
    );
    req.end();
  });
}

export interface ApplyRequest {
  /** The step's values files, as `helm upgrade --install -f` takes them. */
  readonly files: readonly string[];
  /** Objects to apply in place of the chart's output (helm's post-renderer): a test's edited step. */
  readonly manifest?: string;
}

/**
 * POST a command and follow its events; resolves with the final line, rejects with the supervisor's message.
 * `onProgress` sees each progress line as it happens.
 */
export function command(
  path: '/apply' | '/down',
  body: ApplyRequest | Record<string, never>,
  onProgress: (line: string) => void,
  socket = CONTROL_SOCKET,
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = request({ socketPath: socket, method: 'POST', path, headers: { 'content-type': 'application/json' } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (!line) continue;
          const event = JSON.parse(line) as ControlEvent;
          if (event.type === 'progress') {
            onProgress(event.line);
            continue;
          }
          settled = true;
          if (event.type === 'done') resolve(event.line);
          else reject(new Error(event.message));
        }
      });
      res.on('end', () => settled || reject(new Error(`the supervisor ended ${path} without an outcome`)));
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? new NotRunning() : error),
    );
    req.end(JSON.stringify(body));
  });
}
