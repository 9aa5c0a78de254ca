// A real Jaeger (v2 all-in-one, in-memory) on free loopback ports, for the traced runs; found, never downloaded here.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, REPO_ROOT } from '@mesh-demo/devtools';

export interface Jaeger {
  readonly version: string;
  readonly pid: number;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over HTTP). */
  readonly otlpEndpoint: string;
  /** OTEL_EXPORTER_JAEGER_ENDPOINT (Jaeger thrift over HTTP). */
  readonly jaegerEndpoint: string;
  readonly queryUrl: string;
  /** Services that have reported spans so far (proves tracing really exported). */
  services(): Promise<string[]>;
  stop(): Promise<void>;
}

/** JAEGER_BIN, then <repo>/.tools/bin (where CI installs it), then ~/go/bin, then PATH. */
export function findJaeger(): string | undefined {
  const candidates = [
    process.env.JAEGER_BIN,
    join(REPO_ROOT, '.tools', 'bin', 'jaeger'),
    join(homedir(), 'go', 'bin', 'jaeger'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'jaeger')),
  ];
  return candidates.find((path): path is string => !!path && existsSync(path));
}

function config(ports: Record<'otlpGrpc' | 'otlpHttp' | 'thrift' | 'query' | 'queryGrpc' | 'health', number>): string {
  const at = (port: number) => `127.0.0.1:${port}`;
  return `# Written by bench/src/jaeger.ts: in-memory Jaeger on free ports, no self-telemetry port.
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

export async function startJaeger(binary: string): Promise<Jaeger> {
  const ports = {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    thrift: await freePort(),
    query: await freePort(),
    queryGrpc: await freePort(),
    health: await freePort(),
  };
  const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-jaeger-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, config(ports));
  const stderr: string[] = [];
  const child = spawn(binary, ['--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const queryUrl = `http://127.0.0.1:${ports.query}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jaeger exited (${child.exitCode}): ${stderr.join('').slice(-500)}`);
    try {
      const response = await fetch(`${queryUrl}/api/services`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`jaeger not answering at ${queryUrl} within 30 s`);
    }
    await sleep(100);
  }
  let version = 'unknown';
  try {
    const out = await new Promise<string>((resolve) => {
      const v = spawn(binary, ['version'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let text = '';
      v.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      v.once('exit', () => resolve(text));
    });
    // A `go build` from the module (as CI does) leaves the version unstamped.
    version = /"gitVersion":"([^"]+)"/.exec(out)?.[1] ?? 'v2 all-in-one (version not stamped in the binary)';
  } catch {
    // the version is informational only
  }
  return {
    version,
    pid: child.pid!,
    otlpEndpoint: `http://127.0.0.1:${ports.otlpHttp}`,
    jaegerEndpoint: `http://127.0.0.1:${ports.thrift}/api/traces`,
    queryUrl,
    async services() {
      const response = await fetch(`${queryUrl}/api/services`);
      const body = (await response.json()) as { data?: string[] | null };
      return body.data ?? [];
    },
    stop,
  };
}
