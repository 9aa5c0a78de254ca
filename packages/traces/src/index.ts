// The trace stack without Docker: Jaeger (store and query API), the OTLP to Zipkin bridge, and Zipkin's UI on a copy of every span.
import { fileURLToPath } from 'node:url';

export { findJaeger, JAEGER_INSTALL, type JaegerProcess, type JaegerProcessOptions, startJaegerProcess } from './jaeger.ts';
export { COPY_EXPORTER, COPY_PIPELINE, type JaegerConfigOptions, type JaegerPorts, jaegerConfig } from './jaeger-config.ts';
export { type Conversion, otlpToZipkin, type ZipkinAnnotation, type ZipkinEndpoint, type ZipkinSpan } from './otlp-to-zipkin.ts';
export {
  type MissingTraceTools,
  missingTraceTools,
  startTraceStack,
  TRACE_STACK_PORTS,
  type TraceStack,
  type TraceStackOptions,
  type TraceStackPorts,
  traceToolsInstall,
} from './trace-stack.ts';
export {
  findJava,
  findZipkinJar,
  JAVA_INSTALL,
  type StartZipkinOptions,
  startZipkin,
  ZIPKIN_INSTALL,
  type ZipkinCommand,
  type ZipkinOptions,
  type ZipkinProcess,
  zipkinCommand,
} from './zipkin.ts';
export {
  type BridgeSettings,
  type BridgeStats,
  bridgeSettings,
  SettingsError,
  startZipkinBridge,
  type ZipkinBridge,
  type ZipkinBridgeOptions,
} from './zipkin-bridge.ts';

/** The bridge's process entry, for a supervisor: `node <ZIPKIN_BRIDGE_MAIN> --host H --port P --zipkin-url URL`. */
export const ZIPKIN_BRIDGE_MAIN = fileURLToPath(new URL('./zipkin-bridge-main.ts', import.meta.url));
