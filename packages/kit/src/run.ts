// The process edge shared by every service: load config from env, listen on both ports, shut down gracefully.
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig, type ServiceConfig, type ServiceDefinition } from './config.ts';
import { precompiledMisses } from './fast/precompiled.ts';
import { startMemoryReclaim } from './memory-reclaim.ts';
import type { BuildOptions, Service } from './service.ts';
import { telemetryHandshake, tracerOwnedHeaders } from './telemetry-handshake.ts';

/**
 * The public port's accept queue. Node's default (511) overflowed in the overload bench (2,560 callers): the kernel
 * then drops the SYN and the caller's TCP tries again only after a second, which was the first second's p99 of about
 * 1 s. The kernel caps it at net.core.somaxconn (4096 since Linux 5.4).
 */
const ACCEPT_BACKLOG = 4096;

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function fail(service: ServiceDefinition, message: string, code: number): never {
  // One line and no stack: this is read by people looking at a crash-looping pod.
  process.stderr.write(`${service.name}: ${message}\n`);
  process.exit(code);
}

/**
 * Start a service from env. On SIGTERM/SIGINT: readiness turns 503 at once; after SHUTDOWN_DELAY_MS the server stops
 * accepting; in-flight requests finish (connections still open after SHUTDOWN_TIMEOUT_MS are cut); spans are flushed.
 */
export async function run(
  definition: ServiceDefinition,
  build: (config: ServiceConfig, options?: BuildOptions) => Service,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Service> {
  let config: ServiceConfig;
  try {
    config = loadConfig(definition, env);
  } catch (error) {
    if (error instanceof ConfigError) fail(definition, error.message, 78); // EX_CONFIG
    throw error;
  }
  // Tracing, when `--import @mesh-demo/telemetry/register` started it: its propagators own the trace headers, and its
  // pending spans are flushed last in shutdown, after the servers drained.
  const telemetry = telemetryHandshake();
  const owned = tracerOwnedHeaders(telemetry);
  const service = build(config, owned ? { tracerOwnedHeaders: owned, injectTraceContext: !telemetry?.clientSpans } : {});
  const { app, management } = service;
  try {
    await management.listen({ host: config.host, port: config.managementPort, listenTextResolver: (a) => `management listening on ${a}` });
    await app.listen({ host: config.host, port: config.port, backlog: ACCEPT_BACKLOG, listenTextResolver: (a) => `listening on ${a}` });
    if (service.shadow) await listen(service.shadow, config.host, config.shadowPort!);
    if (service.shadow) app.log.info(`shadow copies listening on http://${config.host}:${config.shadowPort}`);
    // A bundle whose build did not see some schema still works, but compiled it at start: say which, so it gets fixed.
    const missed = precompiledMisses();
    if (missed.length) app.log.warn({ schemas: missed }, "compiled at start: not in the build's precompiled code");
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    const ports = [config.port, config.managementPort, config.shadowPort].filter((p) => p !== undefined).join('/');
    fail(definition, `cannot listen on ${config.host} ports ${ports} (${code})`, 1);
  }

  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const reclaim =
    config.memoryReclaimIdleMs > 0
      ? startMemoryReclaim(config.memoryReclaimIdleMs, (r) => {
          service.metrics.memoryReclaims.inc();
          app.log.info(
            {
              rssBeforeMb: mb(r.beforeBytes),
              rssAfterMb: mb(r.afterBytes),
              heapBeforeMb: mb(r.heapBeforeBytes),
              heapAfterMb: mb(r.heapAfterBytes),
              pauseMs: Math.round(r.pauseMs),
            },
            `memory reclaimed after ${config.memoryReclaimIdleMs} ms idle: RSS ${mb(r.beforeBytes)} -> ${mb(r.afterBytes)} MB`,
          );
        })
      : undefined;

  closeWithGrace({ delay: config.shutdownDelayMs + config.shutdownTimeoutMs + 2000, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error, shutting down');
    service.state.ready = false;
    reclaim?.stop();
    app.log.info({ signal, delayMs: config.shutdownDelayMs }, 'shutting down: readiness is now 503');
    await sleep(config.shutdownDelayMs);
    // Connections that outlive the drain budget are cut so the process exits inside its grace period.
    const cut = setTimeout(() => {
      app.log.warn('drain timeout: closing remaining connections');
      app.server.closeAllConnections();
      management.server.closeAllConnections();
      service.shadow?.closeAllConnections();
    }, config.shutdownTimeoutMs);
    await service.close();
    clearTimeout(cut);
    if (telemetry) await telemetry.shutdown();
    app.log.info('stopped');
    // close-with-grace exits as soon as this returns: the lines still buffered must reach stdout first.
    service.flushLogs();
  });
  return service;
}
