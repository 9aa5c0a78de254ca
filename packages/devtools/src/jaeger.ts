// A real Jaeger v2 all-in-one on free 127.0.0.1 ports (OTLP and Jaeger Thrift in, query API out), in memory: for e2e and bench.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts, TOOLS_BIN } from '@mesh-demo/workspace';
import { type JaegerQuery, jaegerQuery } from './jaeger-query.ts';

/** A running Jaeger; services() and trace() are jaegerQuery's, the client `pnpm trace` reads Jaeger with. */
export interface Jaeger extends Pick<JaegerQuery, 'services' | 'trace'> {
  /** gitVersion of the binary, or a note that a `go build` left it unstamped. */
  readonly version: string;
  /** The running process (changes on restart). */
  readonly pid: number;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over HTTP). */
  readonly otlpEndpoint: string;
  /** OTEL_EXPORTER_JAEGER_ENDPOINT (Jaeger Thrift over HTTP). */
  readonly jaegerEndpoint: string;
  readonly queryUrl: string;
  stop(): Promise<void>;
  /** Start again on the same ports (storage is in memory, so it starts empty). */
  restart(): Promise<void>;
}

function executable(path: string | undefined): path is string {
  if (!path) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** JAEGER_BIN, then <repo>/.tools/bin (where CI builds it), then ~/go/bin, then PATH. */
export function findJaeger(): string | undefined {
  const candidates = [
    process.env.JAEGER_BIN,
    join(TOOLS_BIN, 'jaeger'),
    join(homedir(), 'go', 'bin', 'jaeger'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'jaeger')),
  ];
  return candidates.find(executable);
}

/** How long stop() lets Jaeger exit on SIGTERM before it kills it. */
const STOP_GRACE_MS = 1000;

type Ports = Record<'otlpGrpc' | 'otlpHttp' | 'thrift' | 'query' | 'queryGrpc' | 'health', number>;

function config(ports: Ports): string {
  const at = (port: number) => `127.0.0.1:${port}`;
  return `# Written by @mesh-demo/devtools: in-memory Jaeger on free loopback ports, no self-telemetry port.
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp, jaeger]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: ${at(ports.health)}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: ${at(ports.query)}
    grpc:
      endpoint: ${at(ports.queryGrpc)}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${at(ports.otlpGrpc)}
      http:
        endpoint: ${at(ports.otlpHttp)}
  jaeger:
    protocols:
      thrift_http:
        endpoint: ${at(ports.thrift)}
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

async function versionOf(binary: string): Promise<string> {
  const out = await new Promise<string>((resolve) => {
    const child = spawn(binary, ['version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.once('exit', () => resolve(text));
    child.once('error', () => resolve(''));
  });
  // A `go build` inside the module (as CI does; `go install` refuses its replace directives) leaves it unstamped.
  return /"gitVersion":"([^"]+)"/.exec(out)?.[1] ?? 'v2 all-in-one (version not stamped in the binary)';
}

export async function startJaeger(binary = findJaeger()): Promise<Jaeger> {
  if (!binary)
    throw new Error(
      'jaeger not found: run `bash tools/install-tools.sh jaeger` once (it builds Jaeger v1.76.0 into .tools/bin with Go >= 1.24.6), or set JAEGER_BIN',
    );
  const [otlpGrpc, otlpHttp, thrift, query, queryGrpc, health] = (await freePorts(6)) as [number, number, number, number, number, number];
  const dir = mkdtempSync(join(tmpdir(), 'mesh-demo-jaeger-'));
  const file = join(dir, 'config.yaml');
  const yaml = config({ otlpGrpc, otlpHttp, thrift, query, queryGrpc, health });
  const queryUrl = `http://127.0.0.1:${query}`;
  let child: ChildProcess | undefined;
  const output: string[] = [];

  async function start(): Promise<void> {
    // Written at every start and removed at every stop, so no stopped Jaeger leaves its directory behind.
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, yaml);
    const current = spawn(binary!, ['--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = current;
    for (const stream of [current.stdout!, current.stderr!]) stream.on('data', (d: Buffer) => output.push(d.toString()));
    const deadline = Date.now() + 30_000;
    // Up means both sides answer: the query API, and the OTLP receiver the services export to.
    for (;;) {
      if (current.exitCode !== null) throw new Error(`jaeger exited (${current.exitCode}): ${output.join('').slice(-500)}`);
      try {
        const [q, o] = await Promise.all([
          fetch(`${queryUrl}/api/services`, { signal: AbortSignal.timeout(1000) }),
          fetch(`http://127.0.0.1:${otlpHttp}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
            signal: AbortSignal.timeout(1000),
          }),
        ]);
        await Promise.all([q.body?.cancel(), o.body?.cancel()]);
        if (q.ok && o.status < 500) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        current.kill('SIGKILL');
        throw new Error(`jaeger not answering at ${queryUrl} within 30 s: ${output.join('').slice(-500)}`);
      }
      await sleep(100);
    }
  }

  async function stop(): Promise<void> {
    const current = child;
    child = undefined;
    if (current && current.exitCode === null && current.signalCode === null) {
      const exited = new Promise((resolve) => current.once('exit', resolve));
      current.kill('SIGTERM');
      // Jaeger v1.76 logs "Shutdown complete" within milliseconds of SIGTERM, then its process lingers for 10 s more;
      // its store is in memory, so there is nothing a kill could lose.
      const kill = setTimeout(() => current.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(kill);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  await start();
  const version = await versionOf(binary);
  const api = jaegerQuery(queryUrl);
  return {
    version,
    get pid() {
      return child?.pid ?? -1;
    },
    otlpEndpoint: `http://127.0.0.1:${otlpHttp}`,
    jaegerEndpoint: `http://127.0.0.1:${thrift}/api/traces`,
    queryUrl,
    services: api.services,
    trace: api.trace,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}
