// Build step (run by buildServices, after bundling): fills each bundle's compile cache by starting the service once per way it can start.
import { freePort, launch, type ServiceName, waitReady } from '@mesh-demo/workspace';

/**
 * Each way a service starts loads other chunks: tracing off loads none of the SDK, and each exporter has its own.
 * Nothing answers on the endpoint; the exporters only need to load (spans are not sent before the process ends).
 */
const STARTS: readonly Record<string, string>[] = [
  { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
  { OTEL_TRACES_EXPORTER: 'jaeger', OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://127.0.0.1:9/api/traces' },
];

/**
 * Starts the service's bundle until ready and stops it, for each of STARTS in turn: Node writes the code V8 compiled on
 * the way (what a start needs, including functions compiled lazily) to the bundle's cache as the process exits. Files
 * already cached are kept, so each start adds only what the ones before it did not load.
 */
export async function primeCompileCache(name: ServiceName): Promise<void> {
  for (const start of STARTS) {
    const env = { PORT: String(await freePort()), MANAGEMENT_PORT: String(await freePort()), SHUTDOWN_DELAY_MS: '0', ...start };
    const output: string[] = [];
    const service = launch({ name, env, onLine: (line) => output.push(line) });
    try {
      await waitReady(service, 30_000);
    } catch (error) {
      throw new Error(`priming ${name}'s compile cache: ${(error as Error).message}\n${output.slice(-20).join('\n')}`);
    } finally {
      await service.stop();
    }
  }
}
