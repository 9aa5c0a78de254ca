// The local cluster's traces: Jaeger v2 as otel-collector.istio-system (on the host's leg), and the trace UI (Zipkin) fed a copy by the bridge.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jaegerConfig, ZIPKIN_BRIDGE_MAIN, zipkinCommand } from '@mesh-demo/traces';
import type { ClusterConfig } from './config.ts';
import { httpOk } from './health.ts';
import { processFiles, processStep, requireTool } from './process-step.ts';
import type { ClusterStep } from './step.ts';

/** Where people and tests read traces: Jaeger's query API and the trace UI, both on loopback only. */
export function traceUrls(config: ClusterConfig): { readonly query: string; readonly ui: string } {
  return {
    query: `http://127.0.0.1:${config.ports.jaegerQuery}`,
    ui: `http://127.0.0.1:${config.ports.traceUi}/zipkin/`,
  };
}

const bridgeUrl = (config: ClusterConfig) => `http://127.0.0.1:${config.ports.traceBridge}`;

/**
 * Jaeger and the bridge, before anything else that traces: the proxies' first spans come seconds after istiod. The
 * receivers listen on the host's leg, which manifests/tracing.yaml's EndpointSlice names; the query API stays on
 * loopback. Jaeger keeps the traces in memory, so a new cluster starts with none.
 */
export function tracesStep(): ClusterStep {
  return processStep('traces', async ({ config, tools }) => {
    await requireTool(tools.jaeger, 'jaeger');
    const { ports } = config;
    const dir = join(config.runDir, 'traces');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'jaeger.yaml');
    await writeFile(
      file,
      jaegerConfig({
        host: '127.0.0.1',
        otlpHost: config.hostIP,
        ports: {
          otlpGrpc: ports.otlpGrpc,
          otlpHttp: ports.otlpHttp,
          query: ports.jaegerQuery,
          queryGrpc: ports.jaegerQueryGrpc,
          health: ports.jaegerHealth,
        },
        copyTo: bridgeUrl(config),
      }),
    );
    return [
      {
        name: 'jaeger',
        command: tools.jaeger,
        args: ['--config', file],
        ...processFiles(config, 'jaeger'),
        healthy: httpOk(`http://127.0.0.1:${ports.jaegerHealth}/status`),
      },
      {
        name: 'trace-bridge',
        command: process.execPath,
        args: [
          '--conditions=development',
          ZIPKIN_BRIDGE_MAIN,
          '--host=127.0.0.1',
          `--port=${ports.traceBridge}`,
          `--zipkin-url=http://127.0.0.1:${ports.traceUi}`,
        ],
        ...processFiles(config, 'trace-bridge'),
        healthy: httpOk(`${bridgeUrl(config)}/health`),
      },
    ];
  });
}

/**
 * The trace UI last: its JVM takes seconds of CPU that the control plane's start should not share. Spans that reach
 * the bridge before it answers are dropped from the UI only (Jaeger has them all).
 */
export function traceUiStep(): ClusterStep {
  return processStep('trace-ui', async ({ config, tools }) => {
    await requireTool(tools.zipkinJar, 'zipkin', 'read');
    const zipkin = zipkinCommand({ jar: tools.zipkinJar, host: '127.0.0.1', port: config.ports.traceUi });
    return [
      {
        name: 'trace-ui (zipkin)',
        command: zipkin.command,
        args: zipkin.args,
        env: { ...process.env, ...zipkin.env },
        ...processFiles(config, 'trace-ui'),
        healthy: httpOk(`http://127.0.0.1:${config.ports.traceUi}/health`),
        startTimeoutMs: 120_000,
      },
    ];
  });
}
