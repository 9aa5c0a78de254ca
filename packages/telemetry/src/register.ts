// Loaded with `node --import @mesh-demo/telemetry/register` before the app: starts tracing from OTEL_* and tells the kit.
import { publishTelemetryHandshake } from '@mesh-demo/kit/telemetry-handshake';
import { jsonLog } from './log.ts';
import { serviceNameOf } from './resource.ts';
import { settingsFromEnv } from './settings.ts';

const settings = settingsFromEnv(process.env);
// JSON lines like the app's, named like its spans (OTEL_SERVICE_NAME, else the entry's package).
const log = jsonLog(process.env, settings.serviceName ?? serviceNameOf(process.argv[1]));
for (const warning of settings.warnings) log('warn', `telemetry: ${warning}`);

if (settings.enabled) {
  try {
    // Imported only when tracing is on, so OTEL_TRACES_EXPORTER=none costs nothing at start-up.
    const { startTracing } = await import('./sdk.ts');
    const tracing = await startTracing(settings, process.env, process.argv[1], log);
    publishTelemetryHandshake({
      tracing: true,
      clientSpans: tracing.clientSpans,
      ownedHeaders: tracing.ownedHeaders,
      shutdown: () => tracing.shutdown(),
    });
  } catch (error) {
    // Tracing must never keep a service from starting.
    log('warn', `telemetry: tracing is off, it failed to start (${(error as Error).message.split('\n', 1)[0]})`);
    publishTelemetryHandshake({ tracing: false, clientSpans: false, ownedHeaders: [], shutdown: async () => {} });
  }
} else {
  publishTelemetryHandshake({ tracing: false, clientSpans: false, ownedHeaders: [], shutdown: async () => {} });
}
