// Phase 1: start to ready of every service, telemetry off and on, beside the hello reference (interleaved, so drift hits
// all of them alike).
import { SERVICES, type ServiceName } from '@mesh-demo/workspace';
import type { BenchRun } from './bench-run.ts';
import type { Results, ServiceFigures } from './results.ts';
import { measureHelloStart, measureStartToReady } from './start-time.ts';
import { offNodeArgs, TRACING_OFF_ENV, telemetryNodeArgs } from './telemetry.ts';

export type StartFigures = Pick<Results, 'services' | 'referenceStart' | 'referenceStartCpu'>;

/** `onEndpoint` is where the telemetry-on starts export to (a Jaeger, or a free port nobody answers on). */
export async function measureStarts(run: BenchRun, telemetrySkip: string | undefined, onEndpoint: string): Promise<StartFigures> {
  const services: Record<string, ServiceFigures> = {};
  for (const name of SERVICES) {
    const skipped = telemetrySkip ? { skipped: telemetrySkip } : undefined;
    services[name] = { startOff: [], startOn: skipped ?? [], startOffCpu: [], startOnCpu: skipped ?? [] };
  }
  const referenceStart: number[] = [];
  const referenceStartCpu: number[] = [];
  for (let round = 0; round < run.profile.startRuns; round++) {
    const hello = await measureHelloStart();
    referenceStart.push(hello.ms);
    referenceStartCpu.push(hello.cpuMs);
    for (const name of SERVICES) await measureService(services[name]!, name, onEndpoint);
  }
  logStarts(run, services, referenceStart);
  return { services, referenceStart, referenceStartCpu };
}

async function measureService(figures: ServiceFigures, name: ServiceName, onEndpoint: string): Promise<void> {
  const off = await measureStartToReady(name, { env: TRACING_OFF_ENV, nodeArgs: offNodeArgs() });
  figures.startOff.push(off.ms);
  figures.startOffCpu.push(off.cpuMs);
  if (Array.isArray(figures.startOn) && Array.isArray(figures.startOnCpu)) {
    const env = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: onEndpoint, OTEL_TRACES_SAMPLER: 'parentbased_always_on' };
    const on = await measureStartToReady(name, { env, nodeArgs: telemetryNodeArgs() });
    figures.startOn.push(on.ms);
    figures.startOnCpu.push(on.cpuMs);
  }
}

function logStarts(run: BenchRun, services: Record<string, ServiceFigures>, referenceStart: number[]): void {
  run.log(`hello reference start to ready: ${referenceStart.map(Math.round).join(', ')} ms`);
  for (const name of SERVICES) {
    const { startOff, startOn } = services[name]!;
    const on = Array.isArray(startOn) ? `, ${startOn.map(Math.round).join(', ')} ms (telemetry on)` : '';
    run.log(`${name} start to ready: ${startOff.map(Math.round).join(', ')} ms (telemetry off)${on}`);
  }
}
