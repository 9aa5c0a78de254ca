// The OTLP to Zipkin bridge as a process of its own, for a supervisor: settings from argv or env, SIGTERM stops it cleanly.
import { bridgeSettings, SettingsError, startZipkinBridge, type ZipkinBridge } from './zipkin-bridge.ts';

let settings: ReturnType<typeof bridgeSettings> | undefined;
try {
  settings = bridgeSettings(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(`zipkin-bridge: ${error.message}`);
  process.exitCode = 2;
}

if (settings) {
  let bridge: ZipkinBridge | undefined;
  try {
    bridge = await startZipkinBridge({ ...settings, log: (line) => console.log(line) });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    console.error(`zipkin-bridge: cannot listen on ${settings.host}:${settings.port} (${code ?? message})`);
    process.exitCode = 1;
  }
  if (bridge) {
    const running = bridge;
    console.log(
      `zipkin-bridge: listening on ${running.url} (OTLP/JSON at /v1/traces), forwarding to ${new URL('api/v2/spans', `${settings.zipkinUrl.replace(/\/+$/, '')}/`)}`,
    );
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      // Spans still queued get a moment to reach Zipkin; the supervisor's own grace is longer than this.
      await running.close(2000);
      const { forwarded, dropped, rejected } = running.stats();
      console.log(`zipkin-bridge: stopped on ${signal} (${forwarded} spans forwarded, ${dropped} dropped, ${rejected} rejected)`);
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  }
}
