// A real Jaeger v2 all-in-one on free 127.0.0.1 ports (OTLP and Jaeger Thrift in, query API out), in memory: for e2e and bench.
import { spawn } from 'node:child_process';
import { findJaeger, startJaegerProcess } from '@mesh-demo/traces';
import { freePorts } from '@mesh-demo/workspace';
import { type JaegerQuery, jaegerQuery } from './jaeger-query.ts';

export { findJaeger };

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

async function versionOf(binary: string): Promise<string> {
  const out = await new Promise<string>((resolve) => {
    const child = spawn(binary, ['version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.once('close', () => resolve(text));
    child.once('error', () => resolve(''));
  });
  // A `go build` inside the module (as CI does; `go install` refuses its replace directives) leaves it unstamped.
  return /"gitVersion":"([^"]+)"/.exec(out)?.[1] ?? 'v2 all-in-one (version not stamped in the binary)';
}

/**
 * Every receiver the services' exporters can use (OTLP, Jaeger Thrift) and the health check, each on a free port;
 * `copyTo` also sends a copy of every span to that OTLP/HTTP endpoint (the Zipkin bridge).
 */
export async function startJaeger(binary = findJaeger(), options: { copyTo?: string } = {}): Promise<Jaeger> {
  const [otlpGrpc, otlpHttp, thrift, query, queryGrpc, health] = (await freePorts(6)) as [number, number, number, number, number, number];
  const jaeger = await startJaegerProcess({
    ...(binary ? { binary } : {}),
    ports: { otlpGrpc, otlpHttp, thrift, query, queryGrpc, health },
    ...(options.copyTo ? { copyTo: options.copyTo } : {}),
  });
  const version = binary ? await versionOf(binary) : '';
  const api = jaegerQuery(jaeger.queryUrl);
  return {
    version,
    get pid() {
      return jaeger.pid;
    },
    otlpEndpoint: jaeger.otlpEndpoint,
    jaegerEndpoint: jaeger.jaegerEndpoint!,
    queryUrl: jaeger.queryUrl,
    services: api.services,
    trace: api.trace,
    stop: jaeger.stop,
    restart: jaeger.restart,
  };
}
