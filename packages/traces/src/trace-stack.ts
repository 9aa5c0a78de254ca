// Jaeger, the bridge and Zipkin together: the services export to Jaeger, and Zipkin's UI shows a copy of every trace.
import { portIsFreeOn } from '@mesh-demo/workspace';
import { findJaeger, type JaegerProcess, startJaegerProcess } from './jaeger.ts';
import { findJava, findZipkinJar, JAVA_INSTALL, startZipkin, type ZipkinProcess } from './zipkin.ts';
import { type BridgeStats, startZipkinBridge } from './zipkin-bridge.ts';

export interface TraceStackPorts {
  readonly otlpGrpc: number;
  readonly otlpHttp: number;
  /** Jaeger's query API (what `./pnpmw trace` reads). */
  readonly query: number;
  /** Zipkin: its UI at /zipkin/, its API at /api/v2. */
  readonly ui: number;
}

/** The ports docs/telemetry.md and the README name: OTLP's own, Jaeger's query port, Zipkin's. */
export const TRACE_STACK_PORTS: TraceStackPorts = { otlpGrpc: 4317, otlpHttp: 4318, query: 16686, ui: 9411 };

const PORT_NAMES: Record<keyof TraceStackPorts, string> = {
  otlpGrpc: 'OTLP gRPC',
  otlpHttp: 'OTLP HTTP',
  query: "Jaeger's query API",
  ui: 'the trace UI',
};

export interface TraceStackOptions {
  /** Every listener's address; default 127.0.0.1. */
  readonly host?: string;
  /** Default TRACE_STACK_PORTS; the bridge always takes a free port. */
  readonly ports?: Partial<TraceStackPorts>;
  /** Default findJaeger(). */
  readonly jaegerBinary?: string;
  /** Default findZipkinJar(). */
  readonly zipkinJar?: string;
  /** Jaeger and Zipkin in process groups of their own (what `./pnpmw start` wants: Ctrl-C reaches them through it). */
  readonly detached?: boolean;
  /** The bridge's lines (Zipkin stopped taking spans, or takes them again). */
  readonly log?: (line: string) => void;
}

export interface TraceStack {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for the services. */
  readonly otlpEndpoint: string;
  readonly queryUrl: string;
  /** Zipkin's Lens UI. */
  readonly uiUrl: string;
  /** Zipkin's base URL (API under /api/v2). */
  readonly zipkinUrl: string;
  readonly jaeger: JaegerProcess;
  readonly zipkin: ZipkinProcess;
  bridgeStats(): BridgeStats;
  /** Stops all three (call it after the services, whose last spans go to Jaeger). */
  stop(): Promise<void>;
}

/** What running the stack needs and is not here: tools/install-tools.sh's targets, and Java. */
export interface MissingTraceTools {
  readonly tools: ReadonlyArray<'jaeger' | 'zipkin'>;
  readonly java: boolean;
}

export function missingTraceTools(): MissingTraceTools {
  const tools: Array<'jaeger' | 'zipkin'> = [];
  if (!findJaeger()) tools.push('jaeger');
  if (!findZipkinJar()) tools.push('zipkin');
  return { tools, java: !findJava() };
}

/** The command (or two) that installs what is missing; empty when nothing is. */
export function traceToolsInstall(missing: MissingTraceTools): string {
  return [
    ...(missing.tools.length ? [`bash tools/install-tools.sh ${missing.tools.join(' ')}`] : []),
    ...(missing.java ? [JAVA_INSTALL] : []),
  ].join(' and ');
}

export async function startTraceStack(options: TraceStackOptions = {}): Promise<TraceStack> {
  const host = options.host ?? '127.0.0.1';
  const ports: TraceStackPorts = { ...TRACE_STACK_PORTS, ...options.ports };
  const zipkinJar = options.zipkinJar ?? findZipkinJar();
  if (!zipkinJar) throw new Error('the Zipkin jar is not installed: bash tools/install-tools.sh zipkin (or set ZIPKIN_JAR)');
  // A program already on a port could answer the readiness checks in our processes' place: refuse up front instead.
  const keys = Object.keys(ports) as Array<keyof TraceStackPorts>;
  const free = await Promise.all(keys.map((key) => portIsFreeOn(host, ports[key])));
  const taken = keys.filter((_, index) => !free[index]);
  if (taken.length) {
    throw new Error(`${taken.map((key) => `port ${ports[key]} (${PORT_NAMES[key]})`).join(', ')} in use by another program`);
  }

  const zipkinUrl = `http://${host.includes(':') ? `[${host}]` : host}:${ports.ui}`;
  const bridge = await startZipkinBridge({ host, port: 0, zipkinUrl, ...(options.log ? { log: options.log } : {}) });
  const detached = options.detached ?? false;
  const [jaegerResult, zipkinResult] = await Promise.allSettled([
    startJaegerProcess({
      ...(options.jaegerBinary ? { binary: options.jaegerBinary } : {}),
      host,
      ports: { otlpGrpc: ports.otlpGrpc, otlpHttp: ports.otlpHttp, query: ports.query },
      copyTo: bridge.url,
      detached,
    }),
    startZipkin({ jar: zipkinJar, host, port: ports.ui, detached }),
  ]);
  const jaeger = jaegerResult.status === 'fulfilled' ? jaegerResult.value : undefined;
  const zipkin = zipkinResult.status === 'fulfilled' ? zipkinResult.value : undefined;

  // Whatever happens to this process, the Java and Go processes it started do not outlive it.
  const killAll = () => {
    for (const pid of [jaeger?.pid, zipkin?.pid]) {
      if (pid && pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  };
  process.once('exit', killAll);
  // All at once: both stores are in memory, so nothing is gained by letting Jaeger's last copy reach Zipkin first. Zipkin
  // takes 2.4 s to exit on SIGTERM (its event loops' quiet period) with nothing to save, so it gets half a second.
  const stop = async () => {
    await Promise.all([jaeger?.stop(), bridge.close(500), zipkin?.stop(500)]);
    process.off('exit', killAll);
  };

  if (!jaeger || !zipkin) {
    await stop();
    const reasons = [jaegerResult, zipkinResult].flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    throw new Error(reasons.join('; '));
  }
  return {
    otlpEndpoint: jaeger.otlpEndpoint,
    queryUrl: jaeger.queryUrl,
    uiUrl: zipkin.uiUrl,
    zipkinUrl,
    jaeger,
    zipkin,
    bridgeStats: bridge.stats,
    stop,
  };
}
