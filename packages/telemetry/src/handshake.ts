// The contract between the register module and the kit's run(): a value on globalThis under a registry symbol.
import type { TelemetryHandshake } from '@mesh-demo/kit';

export const HANDSHAKE = Symbol.for('mesh-demo.telemetry');

export function publish(handshake: TelemetryHandshake): void {
  (globalThis as Record<symbol, unknown>)[HANDSHAKE] = handshake;
}
