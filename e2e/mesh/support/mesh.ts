// The mesh suite's hands: the CLI as people run it, steps applied as the chart renders them, traffic through the edge.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Chain } from '@mesh-demo/kit';
import {
  command,
  criText,
  currentLog,
  getStatus,
  type MeshStatus,
  type PodStatus,
  renderChart,
  resolveStepFile,
  toolPaths,
} from '@mesh-demo/mesh';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { Pool } from 'undici';
import { parseAllDocuments } from 'yaml';
import { exitedAndDrained } from '../../support/cli.ts';
import { until } from '../../support/poll.ts';

export const CLI = join(REPO_ROOT, 'packages', 'mesh', 'src', 'main.ts');

/** The ingress gateway's pods: as many as its autoscaler's minimum in the install file (the real HPA keeps that many). */
export const GATEWAY_REPLICAS =
  parseAllDocuments(readFileSync(join(REPO_ROOT, 'install', 'ossm3', '20-gateway.yaml'), 'utf8'))
    .map((d) => d.toJS() as { kind?: string; spec?: { minReplicas?: number } })
    .find((o) => o.kind === 'HorizontalPodAutoscaler')?.spec?.minReplicas ?? 1;

/**
 * The edge, as `mesh up` prints it: customer and partner through the ingress gateway. MESH_E2E_EDGE_HOST moves it to
 * another address of the same ports: e2e/mesh-container runs files of this suite inside the mesh container against
 * the container's own address, where its published ports arrive.
 */
const EDGE_HOST = process.env.MESH_E2E_EDGE_HOST ?? '127.0.0.1';
export const EDGE = { customer: `http://${EDGE_HOST}:8080`, partner: `http://${EDGE_HOST}:8081` } as const;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `./pnpmw mesh ARGS` (the CLI without pnpm around it), with its output. */
export function cli(args: readonly string[], options: { uid?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const argv =
      options.uid === undefined
        ? [process.execPath, CLI, ...args]
        : ['setpriv', `--reuid=${options.uid}`, `--regid=${options.uid}`, '--clear-groups', process.execPath, CLI, ...args];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    void exitedAndDrained(child).then((code) => resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr }));
  });
}

/** `./pnpmw mesh exec POD -- node -e SCRIPT`: a script run inside a pod, with the pod's identity and its sidecar. */
export function nodeInPod(pod: string, script: string): Promise<CliResult> {
  // The image's own node (on the container's PATH): this process's path is the host's, which a pod's root need not have
  // (its /tmp is its own, so a checkout under /tmp, as CI's fresh clone is, is not there).
  return cli(['exec', pod, '--', 'node', '-e', script]);
}

/** The chart rendered for these step files, exactly as `mesh apply -f` renders it. */
export async function render(...files: string[]): Promise<string> {
  const { helm } = await toolPaths();
  return renderChart(helm, await Promise.all(files.map(resolveStepFile)));
}

/**
 * Makes the rendered YAML the running step and checks what every step must give: each proxy holds istiod's latest
 * push and no Envoy rejected anything (istiod's /debug/syncz).
 */
export async function applyManifest(manifest: string, label: string): Promise<MeshStatus> {
  await command('/apply', { files: [label], manifest }, () => {});
  // apply returns while pods of the step before may still be draining; when one goes, its endpoints go with it and
  // istiod pushes once more, so a proxy can be a push behind for a moment after apply, never for long.
  return untilSynced(`${label}: every proxy to hold istiod's latest push`, 10_000);
}

/**
 * Waits until every proxy holds istiod's latest push and Envoy rejected nothing (istiod's /debug/syncz): what a step
 * applied with helm or kubectl gives once istiod has caught up (neither tool waits for it).
 */
export async function untilSynced(what = "every proxy to hold istiod's latest push", timeoutMs = 20_000): Promise<MeshStatus> {
  let behind: readonly string[] = [];
  return until(
    what,
    async () => {
      const now = await getStatus();
      assert.deepEqual(now.rejected, [], `${what}: Envoy rejected config`);
      const unknown = now.apiError ?? now.configError;
      behind = unknown ? [unknown] : now.unsynced;
      return behind.length === 0 ? now : undefined;
    },
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; behind: ${behind.join(', ')}`);
  });
}

export async function applyStep(...files: string[]): Promise<MeshStatus> {
  return applyManifest(await render(...files), files.join(' + '));
}

/** Status and first line of one call through the edge (the ingress gateway), with extra headers. */
export async function viaEdge(headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(EDGE.customer, { headers, signal: AbortSignal.timeout(10_000) });
  return `${response.status} ${(await response.text()).trim().split('\n')[0]}`;
}

/**
 * Calls through the edge until every call answers as a policy step wants, and returns that answer. A policy
 * (authorization, JWT, mTLS) lives in a proxy's inbound listener: Envoy applies a changed listener to new connections
 * and drains the old ones (Istio's immediate drain), so each connection already open serves one more request under the
 * old policy. One fresh answer is not enough: each Envoy worker thread keeps a pool of its own, and a call that lands on
 * the other worker can still meet an old connection there (CI saw an expired JWT pass that way). So after the first
 * fresh answer, bursts of 16 parallel calls (spread over the workers, and past the idle connections a pool reuses
 * newest first) must all answer fresh, twice in a row.
 */
export async function untilEdge(expected: string | RegExp, headers: Record<string, string> = {}): Promise<string> {
  const matches = (answer: string) => (typeof expected === 'string' ? answer === expected : expected.test(answer));
  let last = 'nothing';
  const probe = async () => {
    last = await viaEdge(headers);
    return matches(last) ? last : undefined;
  };
  const first = await until(`the edge to answer ${expected} once connections opened under the step before drained`, probe, 10_000).catch(
    (error: Error) => {
      throw new Error(`${error.message}; its last answer: ${last}`);
    },
  );
  let fresh = 0;
  const burst = async () => {
    const answers = await Promise.all(Array.from({ length: 16 }, () => viaEdge(headers)));
    const stale = answers.find((answer) => !matches(answer));
    if (stale) last = stale;
    fresh = stale ? 0 : fresh + 1;
    return fresh >= 2 ? true : undefined;
  };
  await until(`every call at the edge, 16 at once, to answer ${expected} twice in a row`, burst, 10_000).catch((error: Error) => {
    throw new Error(`${error.message}; a stale answer: ${last}`);
  });
  return first;
}

export interface Sent {
  readonly status: number;
  /** The x-request-id the edge service answered with: the one every hop and every proxy logged for this request. */
  readonly requestId: string;
  readonly chain?: Chain;
  readonly text: string;
  readonly ms: number;
}

/** `count` requests through the edge, `concurrency` at a time, each answer parsed as the JSON chain when it is one. */
export async function send(
  count: number,
  options: { url?: string; headers?: Record<string, string>; concurrency?: number } = {},
): Promise<Sent[]> {
  const url = options.url ?? EDGE.customer;
  const concurrency = options.concurrency ?? 4;
  const pool = new Pool(new URL(url).origin, { connections: concurrency });
  const results: Sent[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const started = performance.now();
      const response = await pool.request({
        path: '/',
        method: 'GET',
        headers: { accept: 'application/json', ...options.headers },
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.body.text();
      let chain: Chain | undefined;
      try {
        chain = JSON.parse(text) as Chain;
      } catch {
        chain = undefined;
      }
      const requestId = String(response.headers['x-request-id'] ?? '');
      results.push({ status: response.statusCode, requestId, text, ms: performance.now() - started, ...(chain?.chain && { chain }) });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await pool.close();
  }
  return results;
}

/** The version that answered at one hop. */
export function versionAt(sent: Sent, service: string): string | undefined {
  return sent.chain?.chain.find((hop) => hop.service === service)?.version;
}

/**
 * Asserts `count` of `n` fits a binomial share `p` within 4 standard deviations (a false alarm about once in 16,000
 * runs). The band must also exclude the shares a broken step would give (p ± 0.2), so the check can fail.
 */
export function assertShare(count: number, n: number, p: number, what: string): void {
  const sd = Math.sqrt(n * p * (1 - p));
  const low = n * p - 4 * sd;
  const high = n * p + 4 * sd;
  assert.ok(high - low < 0.4 * n, `${what}: ${n} samples cannot tell ${p} from ${p} ± 0.2`);
  assert.ok(
    count >= low && count <= high,
    `${what}: ${count} of ${n}, expected ${(n * p).toFixed(0)} (between ${Math.ceil(low)} and ${Math.floor(high)})`,
  );
}

export function podsOf(status: MeshStatus, app: string, version?: string): PodStatus[] {
  return status.pods.filter((p) => p.labels.app === app && (!version || p.labels.version === version) && p.phase !== 'Terminating');
}

export function onePod(status: MeshStatus, app: string, version?: string): PodStatus {
  const pods = podsOf(status, app, version);
  assert.equal(pods.length, 1, `one pod of ${app} ${version ?? ''}, got ${pods.map((p) => p.name).join(', ')}`);
  return pods[0]!;
}

/** A GET from inside a pod's network namespace as root (Envoy's admin port listens on the pod's loopback only). */
export async function fromInside(pod: PodStatus, url: string): Promise<string> {
  const script = `fetch(${JSON.stringify(url)}).then(r => r.text()).then(t => process.stdout.write(t), e => { console.error(e.message); process.exit(1); })`;
  const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', pod.netns, process.execPath, '-e', script], { maxBuffer: 64 << 20 });
  return stdout;
}

/** Envoy's own config, from its admin endpoint. */
export async function configDump(pod: PodStatus, resource: string): Promise<unknown> {
  return JSON.parse(await fromInside(pod, `http://127.0.0.1:15000/config_dump?resource=${resource}`));
}

/** The app's Prometheus metrics merged into the agent's, as a cluster's Prometheus scrapes them (:15020). */
export async function podMetrics(pod: PodStatus): Promise<string> {
  const response = await fetch(`http://${pod.ip}:15020/stats/prometheus`, { signal: AbortSignal.timeout(5000) });
  return response.text();
}

/**
 * A counter once it stops moving (two reads 300 ms apart agree, within 10 s): mirrored copies are fire-and-forget, so
 * the last ones land after the callers' answers.
 */
export async function settledCounter(pod: PodStatus, series: string): Promise<number> {
  let previous = Number.NaN;
  return until(
    `${series} on ${pod.name} to settle`,
    async () => {
      const value = counter(await podMetrics(pod), series);
      const settled = value === previous;
      previous = value;
      return settled ? value : undefined;
    },
    10_000,
    300,
  );
}

/** A counter's value from Prometheus text, 0 when absent. */
export function counter(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** The sidecar's JSON access log lines of a pod, oldest first. */
export function accessLog(status: MeshStatus, pod: PodStatus): Record<string, unknown>[] {
  const text = readFileSync(currentLog(status.runDir, pod, 'istio-proxy'), 'utf8');
  return criText(text)
    .filter((line) => line.startsWith('{"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
