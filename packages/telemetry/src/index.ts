// Public surface of the telemetry package besides ./register: settings parsing and the pieces tests check.
export { QuietExporter } from './quiet-exporter.ts';
export { resourceAttributes, serviceNameOf } from './resource.ts';
export { DEFAULT_BATCH, DEFAULT_PROPAGATORS, parseResourceAttributes, settingsFromEnv, type TelemetrySettings } from './settings.ts';
