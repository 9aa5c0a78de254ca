// How the kit learns about tracing without depending on it: the telemetry register module leaves this on globalThis.
// Imported by that module too (as @mesh-demo/kit/telemetry-handshake, which loads nothing else), so the key is written once.
import { TRACE_HEADERS } from './headers.ts';

/** What `@mesh-demo/telemetry/register` publishes under `Symbol.for('mesh-demo.telemetry')`. */
export interface TelemetryHandshake {
  /** True when the SDK is running: its propagators then write the trace headers of downstream calls. */
  readonly tracing: boolean;
  /** True when outgoing requests get client spans whose instrumentation writes the trace headers; else the kit does. */
  readonly clientSpans: boolean;
  /** Header names the propagators write (their `fields()`). */
  readonly ownedHeaders: readonly string[];
  /** Export pending spans and stop; run() awaits it inside graceful shutdown. */
  shutdown(): Promise<void>;
}

// A registry symbol, so the kit and the telemetry package agree on it even when each has its own copy of this module.
const KEY = Symbol.for('mesh-demo.telemetry');

/** What the telemetry register module calls once tracing is decided, before the app is imported. */
export function publishTelemetryHandshake(handshake: TelemetryHandshake): void {
  (globalThis as Record<symbol, TelemetryHandshake | undefined>)[KEY] = handshake;
}

export function telemetryHandshake(): TelemetryHandshake | undefined {
  return (globalThis as Record<symbol, TelemetryHandshake | undefined>)[KEY];
}

/**
 * Headers the kit must not copy when tracing: every trace-context header (a copied x-b3-spanid would name the caller's
 * span as the parent, not ours) plus whatever the propagators write. Baggage stays copied unless a propagator owns it.
 */
export function tracerOwnedHeaders(handshake: TelemetryHandshake | undefined): ReadonlySet<string> | undefined {
  if (!handshake?.tracing) return undefined;
  const contextHeaders = TRACE_HEADERS.filter((name) => name !== 'baggage');
  return new Set([...contextHeaders, ...handshake.ownedHeaders.map((name) => name.toLowerCase())]);
}
