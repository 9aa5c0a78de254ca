// A real Jaeger v2 all-in-one as a child process, in memory, on the ports asked for (free loopback ones by default).
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, portIsFreeOn, TOOLS_BIN } from '@mesh-demo/workspace';
import { type JaegerPorts, jaegerConfig } from './jaeger-config.ts';

export const JAEGER_INSTALL = 'bash tools/install-tools.sh jaeger';

function executable(path: string | undefined): path is string {
  if (!path) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** JAEGER_BIN, then <repo>/.tools/bin (where CI builds it), then ~/go/bin, then PATH. */
export function findJaeger(): string | undefined {
  const candidates = [
    process.env.JAEGER_BIN,
    join(TOOLS_BIN, 'jaeger'),
    join(homedir(), 'go', 'bin', 'jaeger'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'jaeger')),
  ];
  return candidates.find(executable);
}

export interface JaegerProcessOptions {
  /** Default: findJaeger(). */
  readonly binary?: string;
  /** Where the query API (and health check) listen; default 127.0.0.1. */
  readonly host?: string;
  /** Where the receivers listen; default host. */
  readonly otlpHost?: string;
  /** Ports wanted; the OTLP and query ones not given are free loopback ports, thrift and health are left out unless given. */
  readonly ports?: Partial<JaegerPorts>;
  /** OTLP/HTTP base URL to copy every span to (see jaegerConfig). */
  readonly copyTo?: string;
  /** Own process group, so a terminal's Ctrl-C does not stop it before the services have flushed their spans into it. */
  readonly detached?: boolean;
  /** How long it may take to answer on both sides. Default 30 s. */
  readonly readyTimeoutMs?: number;
}

export interface JaegerProcess {
  /** The running process (changes on restart; -1 when stopped). */
  readonly pid: number;
  readonly ports: JaegerPorts;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over HTTP). */
  readonly otlpEndpoint: string;
  /** OTLP over gRPC, as host:port. */
  readonly otlpGrpcAddress: string;
  /** OTEL_EXPORTER_JAEGER_ENDPOINT (Jaeger Thrift over HTTP), when that receiver was asked for. */
  readonly jaegerEndpoint?: string;
  readonly queryUrl: string;
  /** SIGTERM, SIGKILL after a second: its store is in memory, so there is nothing a kill could lose. */
  stop(): Promise<void>;
  /** Start again on the same ports (storage is in memory, so it starts empty). */
  restart(): Promise<void>;
}

const OUTPUT_TAIL_CHARS = 2000;

/** How long stop() lets Jaeger exit on SIGTERM before it kills it. */
const STOP_GRACE_MS = 1000;

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

export async function startJaegerProcess(options: JaegerProcessOptions = {}): Promise<JaegerProcess> {
  const binary = options.binary ?? findJaeger();
  if (!binary) {
    throw new Error(
      `jaeger not found: run \`${JAEGER_INSTALL}\` once (it builds Jaeger v1.76.0 into .tools/bin with Go >= 1.24.6), or set JAEGER_BIN`,
    );
  }
  const given = options.ports ?? {};
  const ports: JaegerPorts = {
    otlpGrpc: given.otlpGrpc ?? (await freePort()),
    otlpHttp: given.otlpHttp ?? (await freePort()),
    query: given.query ?? (await freePort()),
    queryGrpc: given.queryGrpc ?? (await freePort()),
    ...(given.thrift === undefined ? {} : { thrift: given.thrift }),
    ...(given.health === undefined ? {} : { health: given.health }),
  };
  const host = options.host ?? '127.0.0.1';
  const otlpHost = options.otlpHost ?? host;
  // A program already on a port asked for could answer the readiness checks in this Jaeger's place.
  const listeners = Object.entries(given).map(([name, port]) => ({
    name,
    port,
    at: ['query', 'queryGrpc', 'health'].includes(name) ? host : otlpHost,
  }));
  const free = await Promise.all(listeners.map(({ port, at }) => portIsFreeOn(at, port)));
  const taken = listeners.filter((_, index) => !free[index]);
  if (taken.length)
    throw new Error(`jaeger: ${taken.map((l) => `port ${l.port} (${l.name}) on ${l.at}`).join(', ')} in use by another program`);
  const dir = mkdtempSync(join(tmpdir(), 'mesh-demo-jaeger-'));
  const file = join(dir, 'config.yaml');
  const yaml = jaegerConfig({ host, otlpHost, ports, ...(options.copyTo ? { copyTo: options.copyTo } : {}) });
  const queryUrl = `http://${hostPort(host, ports.query)}`;
  const otlpEndpoint = `http://${hostPort(otlpHost, ports.otlpHttp)}`;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  let child: ChildProcess | undefined;
  // Only the tail is kept, for an error message: a Jaeger that runs for days logs every failed copy to a stopped bridge.
  let output = '';

  async function start(): Promise<void> {
    // Written at every start and removed at every stop, so no stopped Jaeger leaves its directory behind.
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, yaml);
    const current = spawn(binary!, ['--config', file], { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
    child = current;
    for (const stream of [current.stdout!, current.stderr!]) {
      stream.on('data', (d: Buffer) => {
        output = (output + d.toString()).slice(-OUTPUT_TAIL_CHARS);
      });
    }
    const deadline = Date.now() + readyTimeoutMs;
    // Up means both sides answer: the query API, and the OTLP receiver the services export to.
    for (;;) {
      if (current.exitCode !== null) throw new Error(`jaeger exited (${current.exitCode}): ${output.slice(-500)}`);
      try {
        const [q, o] = await Promise.all([
          fetch(`${queryUrl}/api/services`, { signal: AbortSignal.timeout(1000) }),
          fetch(`${otlpEndpoint}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
            signal: AbortSignal.timeout(1000),
          }),
        ]);
        await Promise.all([q.body?.cancel(), o.body?.cancel()]);
        if (q.ok && o.status < 500) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        current.kill('SIGKILL');
        throw new Error(`jaeger not answering at ${queryUrl} within ${readyTimeoutMs / 1000} s: ${output.slice(-500)}`);
      }
      await sleep(100);
    }
  }

  async function stop(): Promise<void> {
    const current = child;
    child = undefined;
    if (current && current.exitCode === null && current.signalCode === null) {
      const exited = new Promise((resolve) => current.once('exit', resolve));
      current.kill('SIGTERM');
      // Jaeger v1.76 logs "Shutdown complete" within milliseconds of SIGTERM, then its process lingers for 10 s more.
      const kill = setTimeout(() => current.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(kill);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  try {
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    get pid() {
      return child?.pid ?? -1;
    },
    ports,
    otlpEndpoint,
    otlpGrpcAddress: hostPort(otlpHost, ports.otlpGrpc),
    ...(ports.thrift === undefined ? {} : { jaegerEndpoint: `http://${hostPort(otlpHost, ports.thrift)}/api/traces` }),
    queryUrl,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}
