// The local mesh's long-running process (started by `mesh up`): brings the cluster up step by step, keeps its processes
// alive, runs the node agent and the edge, applies steps with helm, and serves the control API on a unix socket.
import { appendFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { helmStep, NAMESPACE, notRunHere, type StepRequest, waitLive } from './apply.ts';
import { kubectl } from './cluster/admin-cli.ts';
import { defaultClusterConfig, runPaths } from './cluster/config.ts';
import { istiodServing, type RunningCluster, type SmcpStandIn, startCluster, startSmcpStandIn, stopCluster } from './cluster/index.ts';
import type { StepContext } from './cluster/step.ts';
import { type ApplyRequest, CONTROL_SOCKET, type ControlEvent, type MeshStatus, RUN_DIR } from './control.ts';
import { KubeClient } from './kube/client.ts';
import { meshStatus } from './mesh-status.ts';
import { type RunningNode, startNode } from './node/node-step.ts';
import { Router } from './router.ts';
import { toolPaths } from './tools.ts';

const LOG = join(RUN_DIR, 'supervisor.log');
const listeners = new Set<(line: string) => void>();
const bootLines: string[] = [];

function say(line: string): void {
  appendFileSync(LOG, `${new Date().toISOString()} ${line}\n`);
  for (const listener of listeners) listener(line);
}

/**
 * The mesh's namespace as an OpenShift project is made: Pod Security "restricted" enforced (restricted-v2), and the UID
 * range OpenShift's SCC admission assigns pods from (the node agent runs a pod that sets no runAsUser as its first UID).
 */
const MESH_NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
  annotations:
    openshift.io/sa.scc.uid-range: 1000770000/10000
    openshift.io/sa.scc.supplemental-groups: 1000770000/10000
`;

await mkdir(join(RUN_DIR, 'logs'), { recursive: true });
await writeFile(join(RUN_DIR, 'supervisor.pid'), String(process.pid));

const config = defaultClusterConfig(RUN_DIR);
let ctx: StepContext | undefined;
let cluster: RunningCluster | undefined;
let node: Promise<RunningNode> | undefined;
let router: Router | undefined;
let admin: KubeClient | undefined;
/** Service Mesh 2's operator, stood in for: what a ServiceMeshMember would make it do (see smcp-stand-in.ts). */
let smcpStandIn: SmcpStandIn | undefined;
let files: readonly string[] = [];
let ignored: readonly string[] = [];
let bootError: Error | undefined;
let queue: Promise<unknown> = Promise.resolve();
let shuttingDown = false;
const startedAt = Date.now();

/** One command at a time: a second apply waits for the first, as kubectl calls against one cluster would queue. */
function serialized<T>(work: () => Promise<T>): Promise<T> {
  const next = queue.then(work, work);
  queue = next.catch(() => {});
  return next;
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

/** Every step's processes, node-api's, and the edge's Envoy, for `mesh status`. */
async function processes() {
  const steps = cluster?.status().flatMap((s) => s.processes) ?? [];
  const nodeProcesses = node ? (await node).processes() : [];
  const edge = router
    ? [
        {
          name: 'edge (envoy)',
          state: router.running ? 'running' : 'failed',
          pid: router.pid,
          restarts: 0,
          log: join(RUN_DIR, 'logs', 'edge.log'),
        } as const,
      ]
    : [];
  // This process: the node agent (the kubelet's part), the router's watches, the stand-ins and the CLI's socket.
  const self = {
    name: 'supervisor (node agent)',
    state: 'running',
    pid: process.pid,
    restarts: 0,
    log: join(RUN_DIR, 'supervisor.out'),
  } as const;
  return [...steps, ...nodeProcesses, ...edge, self];
}

async function status(): Promise<MeshStatus> {
  if (!admin) throw bootError ?? new Error('the local mesh is still starting');
  return meshStatus({ config, admin, startedAt, files, ignored, edge: router?.edge ?? [], processes: await processes() });
}

/** Applies a step as `helm_step` does and returns once it is live. */
async function applyStep(request: StepRequest, progress: (line: string) => void): Promise<void> {
  if (bootError) throw bootError;
  if (!ctx || !admin) throw new Error('the local mesh did not start');
  const since = Date.now();
  progress(`helm upgrade --install demo charts/mesh-demo -n ${NAMESPACE} ${request.files.map((f) => `-f ${f}`).join(' ')}`);
  await helmStep({ ...ctx, say: progress }, request);
  files = request.files;
  ignored = await notRunHere(ctx).catch(() => []);
  await waitLive(admin, config, progress, since);
}

async function apply(request: ApplyRequest, send: (event: ControlEvent) => void): Promise<void> {
  const progress = (line: string) => send({ type: 'progress', line });
  if (!router) {
    for (const line of bootLines) progress(line);
    listeners.add(progress);
    try {
      await booted;
    } finally {
      listeners.delete(progress);
    }
  }
  const started = performance.now();
  listeners.add(progress);
  try {
    await applyStep(request, progress);
  } finally {
    listeners.delete(progress);
  }
  send({ type: 'done', line: `step running in ${((performance.now() - started) / 1000).toFixed(1)} s` });
}

async function shutdown(progress: (line: string) => void): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  progress('stopping the edge, the pods and the control plane');
  await router?.close().catch(() => {});
  await (await node?.catch(() => undefined))?.stop().catch((error: Error) => progress(`while stopping the node: ${error.message}`));
  await cluster?.stop().catch((error: Error) => progress(`while stopping: ${error.message}`));
  await stopCluster(config).catch(() => {});
  await smcpStandIn?.stop().catch(() => {});
  await admin?.close().catch(() => {});
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

/** Resolves when `check` holds, polled; a check that throws counts as not yet. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250)))
    if (await check().catch(() => false)) return;
  throw new Error(`${what} within ${timeoutMs / 1000} s`);
}

/**
 * Ready for a step once the API server, the node and istiod serve: the chart then goes in beside the gateway (its pods
 * need the injector, nothing else), while the rest of the control plane finishes.
 */
const booted = (async () => {
  const collect = (line: string) => bootLines.push(line);
  listeners.add(collect);
  try {
    ctx = { config, tools: await toolPaths(), say };
    const context = ctx;
    say('starting the control plane: etcd, kube-apiserver, controllers, kube-proxy, CoreDNS, Istio');
    let apiServerReady: () => void = () => {};
    const apiServer = new Promise<void>((resolve) => (apiServerReady = resolve));
    const clusterUp = startCluster(context, {
      waitForIstiod: true,
      onStepReady: (timing) => {
        if (timing.name === 'service-mesh-2') smcpStandIn = startSmcpStandIn(admin!, context);
        if (timing.name !== 'apiserver') return;
        // The node joins as soon as there is an API server: istiod and CoreDNS are pods it runs.
        node = startNode(context);
        node.catch((error: Error) => say(`node: ${error.message}`));
        admin = KubeClient.fromKubeconfig(runPaths(config).adminKubeconfig);
        void kubectl(context, ['apply', '-f', '-'], MESH_NAMESPACE).catch((error: Error) => say(`namespace: ${error.message}`));
        apiServerReady();
      },
    });
    clusterUp.then(
      (running) => {
        cluster = running;
        say(`control plane up in ${running.totalSeconds.toFixed(1)} s`);
      },
      () => {},
    );
    await Promise.race([apiServer, clusterUp]);
    await node;
    router = await Router.start(context.tools.envoy, RUN_DIR, admin!, say);
    await writeFile(join(RUN_DIR, 'edge.pid'), String(router.pid));
    await Promise.race([until(() => istiodServing(config), 300_000, 'istiod did not serve'), clusterUp]);
    void clusterUp.catch((error: Error) => failBoot(error));
  } catch (error) {
    await failBoot(error as Error);
  } finally {
    listeners.delete(collect);
  }
})();

async function failBoot(error: Error): Promise<void> {
  if (bootError) return;
  bootError = error;
  say(`could not start: ${bootError.message}`);
  await shutdown(say).catch(() => {});
  // Stay until a client has heard why, then go: a failed boot leaves nothing running.
  setTimeout(() => exitClean(1), 2000);
}

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
