// The trace UI's side of the telemetry tests: a real Zipkin, the bridge as its own process, and Zipkin's API read as a tree.
import { type ChildProcess, spawn } from 'node:child_process';
import { findZipkinJar, startZipkin, ZIPKIN_BRIDGE_MAIN, ZIPKIN_INSTALL, type ZipkinProcess, type ZipkinSpan } from '@mesh-demo/traces';
import { freePort } from '@mesh-demo/workspace';
import { until } from '../../support/poll.ts';

export function zipkinJar(): string {
  const jar = findZipkinJar();
  if (!jar) throw new Error(`the Zipkin jar is not installed: ${ZIPKIN_INSTALL} (or run .ci/parts/telemetry.sh), or set ZIPKIN_JAR`);
  return jar;
}

/** Zipkin on a free 127.0.0.1 port, in memory. */
export async function startTestZipkin(): Promise<ZipkinProcess> {
  return startZipkin({ jar: zipkinJar(), port: await freePort() });
}

export interface BridgeProcess {
  /** The OTLP/HTTP endpoint Jaeger copies to. */
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<number | string>;
}

/** The bridge as the supervisor runs it: `node zipkin-bridge-main.ts` with its settings in argv. */
export async function startBridgeProcess(zipkinUrl: string): Promise<BridgeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [ZIPKIN_BRIDGE_MAIN, '--port', String(port), '--zipkin-url', zipkinUrl], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  await until(`the bridge to listen on ${port} (its output: ${output || 'none yet'})`, () => {
    if (child.exitCode !== null) throw new Error(`the bridge exited (${child.exitCode}): ${output}`);
    return output.includes('zipkin-bridge: listening on') || undefined;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Zipkin's copy of one trace (GET /api/v2/trace/{id}); undefined while it has none. */
export async function zipkinTrace(zipkinUrl: string, traceId: string): Promise<ZipkinSpan[] | undefined> {
  const response = await fetch(`${zipkinUrl}/api/v2/trace/${traceId}`, { signal: AbortSignal.timeout(5000) });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`Zipkin answered ${response.status} to GET /api/v2/trace/${traceId}`);
  return (await response.json()) as ZipkinSpan[];
}

/** Waits until Zipkin holds the trace with spans of all `services`. */
export function completeZipkinTrace(
  zipkinUrl: string,
  traceId: string,
  services: readonly string[],
  timeoutMs = 20_000,
): Promise<ZipkinSpan[]> {
  return until(
    `trace ${traceId} with spans of ${services.join(', ')} in Zipkin`,
    async () => {
      const spans = await zipkinTrace(zipkinUrl, traceId);
      const names = new Set(spans?.map((s) => s.localEndpoint.serviceName));
      return spans && services.every((s) => names.has(s)) ? spans : undefined;
    },
    timeoutMs,
    200,
  );
}
