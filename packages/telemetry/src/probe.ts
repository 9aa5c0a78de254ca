// Entry for tools outside the services (`pnpm start`): whether tracing is on and whether its collector answers, read as
// the services read them, without loading OpenTelemetry (the package's index and ./register do).
export { collectorUrl, type ProbeOptions, type ProbeResult, probeCollector } from './collector-probe.ts';
export { type ExporterEndpoint, exporterEndpoint } from './exporters.ts';
export { tracingOff } from './settings.ts';
