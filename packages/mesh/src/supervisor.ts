// The local mesh's long-running process (started by `mesh up`): owns istiod, the pods and the edge; serves the control API.
import { appendFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { LocalCluster } from './cluster.ts';
import { type ApplyRequest, CONTROL_SOCKET, type ControlEvent, type MeshStatus, RUN_DIR } from './control.ts';
import { appContainers } from './injector.ts';
import { netnsOf, serviceOfImage } from './kubelet.ts';
import { teardown } from './network.ts';
import { parseObjects } from './render.ts';
import { toolPaths } from './tools.ts';

const LOG = join(RUN_DIR, 'supervisor.log');
const listeners = new Set<(line: string) => void>();
const bootLines: string[] = [];

function say(line: string): void {
  appendFileSync(LOG, `${new Date().toISOString()} ${line}\n`);
  for (const listener of listeners) listener(line);
}

function stream(res: ServerResponse): (event: ControlEvent) => void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  return (event) => res.write(`${JSON.stringify(event)}\n`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

await mkdir(join(RUN_DIR, 'logs'), { recursive: true });
await writeFile(join(RUN_DIR, 'supervisor.pid'), String(process.pid));

let cluster: LocalCluster | undefined;
let bootError: Error | undefined;
let queue: Promise<unknown> = Promise.resolve();
let shuttingDown = false;

/** One command at a time: a second apply waits for the first, as kubectl calls against one cluster would queue. */
function serialized<T>(work: () => Promise<T>): Promise<T> {
  const next = queue.then(work, work);
  queue = next.catch(() => {});
  return next;
}

async function status(): Promise<MeshStatus> {
  if (!cluster) throw bootError ?? new Error('the local mesh is still starting');
  const { unsynced, rejected } = await cluster.syncState().catch(() => ({ unsynced: [], rejected: [] }));
  return {
    startedAt: cluster.startedAt,
    files: cluster.current.files,
    ignored: cluster.current.ignored,
    edge: cluster
      .routes()
      .map((r) => ({ app: r.app, url: `http://localhost:${r.localPort}`, host: r.host, target: r.target, endpoints: r.upstreams.length })),
    pods: cluster.pods.map((p) => {
      const app = appContainers(p.template)[0];
      let service: string | null = null;
      try {
        service = app ? serviceOfImage(app.image) : null;
      } catch {
        service = null;
      }
      return {
        namespace: p.namespace,
        name: p.name,
        workload: p.workload,
        ip: p.ip,
        netns: netnsOf(p),
        proxy: p.proxy ?? null,
        phase: p.phase,
        ready: p.ready,
        restarts: cluster!.kubelet.restarts(p),
        service,
        labels: p.labels,
      };
    }),
    unsynced,
    rejected,
    runDir: RUN_DIR,
  };
}

async function apply(request: ApplyRequest, send: (event: ControlEvent) => void): Promise<void> {
  const progress = (line: string) => send({ type: 'progress', line });
  if (!cluster) {
    for (const line of bootLines) progress(line);
    listeners.add(progress);
    try {
      await booted;
    } finally {
      listeners.delete(progress);
    }
    if (!cluster) throw bootError ?? new Error('the local mesh did not start');
  }
  const objects = parseObjects(request.manifest);
  const started = performance.now();
  listeners.add(progress);
  try {
    await cluster.apply(objects, request.files, progress);
  } finally {
    listeners.delete(progress);
  }
  send({ type: 'done', line: `step running in ${((performance.now() - started) / 1000).toFixed(1)} s` });
}

async function shutdown(progress: (line: string) => void): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  progress('stopping pods, istiod and the edge');
  await cluster?.shutdown().catch((error: Error) => progress(`while stopping: ${error.message}`));
  progress('removing network namespaces');
  await teardown();
}

const server = createServer((req, res) => {
  const route = `${req.method} ${req.url}`;
  if (route === 'GET /status') {
    status().then(
      (s) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(s)),
      (error: Error) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message })),
    );
    return;
  }
  const send = stream(res);
  const fail = (error: unknown) => send({ type: 'error', message: (error as Error).message });
  if (route === 'POST /apply') {
    void readBody(req)
      .then((body) => serialized(() => apply(JSON.parse(body) as ApplyRequest, send)))
      .catch(fail)
      .finally(() => res.end());
    return;
  }
  if (route === 'POST /down') {
    void serialized(async () => {
      await shutdown((line) => send({ type: 'progress', line }));
      send({ type: 'done', line: 'stopped' });
    })
      .catch(fail)
      .finally(() => {
        res.end();
        server.close();
        exitClean(0);
      });
    return;
  }
  send({ type: 'error', message: `unknown command ${route}` });
  res.end();
});

await rm(CONTROL_SOCKET, { force: true });
server.listen(CONTROL_SOCKET);

const booted = (async () => {
  const collect = (line: string) => bootLines.push(line);
  listeners.add(collect);
  try {
    say('starting the bridge, istiod and the edge');
    cluster = await LocalCluster.boot(await toolPaths(), RUN_DIR, say);
    await writeFile(join(RUN_DIR, 'edge.pid'), String(cluster.edge.pid));
  } catch (error) {
    bootError = error as Error;
    say(`could not start: ${bootError.message}`);
    await teardown().catch(() => {});
    // Stay until a client has heard why, then go: a failed boot leaves nothing running.
    setTimeout(() => {
      exitClean(1);
    }, 2000);
  } finally {
    listeners.delete(collect);
  }
})();

/** The supervisor's last act: its run directory goes with it (that is how `down` and `up` know it is gone). */
function exitClean(code: number): void {
  void rm(RUN_DIR, { recursive: true, force: true }).finally(() => process.exit(code));
}

/** Everything stopped as `down` would, then exit. */
function stopAndExit(code: number): void {
  void shutdown(say).finally(() => exitClean(code));
}

// A bug here must not leave pods running unattended: say what happened, then stop everything as `down` would.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    say(`supervisor failed: ${(error as Error)?.stack ?? String(error)}`);
    stopAndExit(1);
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => stopAndExit(0));
}
