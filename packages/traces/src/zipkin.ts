// Zipkin server (its Lens UI built in) as a Java process: in memory, on one address only, with a small heap.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinnedVersions, portIsFreeOn, TOOLS_DIR } from '@mesh-demo/workspace';

export const ZIPKIN_INSTALL = 'bash tools/install-tools.sh zipkin';
export const JAVA_INSTALL = 'bash tools/apt-install.sh --no-install-recommends openjdk-17-jre-headless';

/** ZIPKIN_JAR, then the jar tools/install-tools.sh zipkin puts in .tools/zipkin (the version pinned in tools/versions.sh). */
export function findZipkinJar(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (env.ZIPKIN_JAR) return existsSync(env.ZIPKIN_JAR) ? env.ZIPKIN_JAR : undefined;
  const version = pinnedVersions().ZIPKIN_VERSION;
  const jar = join(TOOLS_DIR, 'zipkin', `zipkin-server-${version}-slim.jar`);
  return version && existsSync(jar) ? jar : undefined;
}

/** $JAVA_HOME/bin/java, then java on PATH. */
export function findJava(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const candidates = [
    ...(env.JAVA_HOME ? [join(env.JAVA_HOME, 'bin', 'java')] : []),
    ...(env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'java')),
  ];
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface ZipkinOptions {
  /** The zipkin-server slim jar (findZipkinJar()). */
  readonly jar: string;
  /** The one address it listens on; default 127.0.0.1. */
  readonly host?: string;
  /** Its one port (API, UI and collector); default 9411. */
  readonly port?: number;
  /** Spans kept in memory; the oldest traces go first beyond that. Default 20 000 (about 6 600 requests of the chain), which
   * the default heap holds with room to spare (50 000 ran it out of memory). */
  readonly maxSpans?: number;
  /** Java heap at most, in MiB; default 128. */
  readonly heapMb?: number;
  /** The java binary; default findJava() or `java`. */
  readonly java?: string;
}

export interface ZipkinCommand {
  readonly command: string;
  readonly args: string[];
  /** Only Zipkin's own settings: add them to the caller's environment (PATH, JAVA_HOME). */
  readonly env: Record<string, string>;
}

/**
 * The command line of an in-memory Zipkin bound to host:port only. Zipkin binds through Armeria's Spring settings,
 * whose `armeria.ports` list a command-line argument replaces whole (Spring binds a list from one source), so the
 * port, address and protocol are all given there; QUERY_PORT alone would listen on every interface.
 */
export function zipkinCommand(options: ZipkinOptions): ZipkinCommand {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 9411;
  return {
    command: options.java ?? findJava() ?? 'java',
    args: [
      `-Xmx${options.heapMb ?? 128}m`,
      '-Xss512k',
      // One GC thread and C1 only: on two shared cores the start is CPU-bound, and a trace UI needs no peak throughput.
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-XX:+ExitOnOutOfMemoryError',
      '-jar',
      options.jar,
      `--armeria.ports[0].ip=${host}`,
      `--armeria.ports[0].port=${port}`,
      '--armeria.ports[0].protocols[0]=http',
    ],
    env: {
      QUERY_PORT: String(port),
      STORAGE_TYPE: 'mem',
      MEM_MAX_SPANS: String(options.maxSpans ?? 20_000),
      SELF_TRACING_ENABLED: 'false',
      // Spans come over HTTP from the bridge; the gRPC collector would be one more thing listening.
      COLLECTOR_GRPC_ENABLED: 'false',
    },
  };
}

export interface StartZipkinOptions extends ZipkinOptions {
  /** How long it may take until GET /health answers; default 90 s (its start is seconds of JVM work on a busy core). */
  readonly readyTimeoutMs?: number;
  /** Own process group, so a terminal's Ctrl-C reaches it only through its owner. */
  readonly detached?: boolean;
}

export interface ZipkinProcess {
  /** Zipkin's base URL (API under /api/v2). */
  readonly url: string;
  /** The Lens UI. */
  readonly uiUrl: string;
  readonly pid: number;
  /** Resolves with the exit code or signal once it has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, SIGKILL after `graceMs` (default 5000). */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_TAIL_CHARS = 2000;

export async function startZipkin(options: StartZipkinOptions): Promise<ZipkinProcess> {
  const { command, args, env } = zipkinCommand(options);
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${options.port ?? 9411}`;
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  // Another program on the port would answer the readiness check in this Zipkin's place (and it would then fail to bind).
  if (!(await portIsFreeOn(host, options.port ?? 9411)))
    throw new Error(`port ${options.port ?? 9411} on ${host} is in use by another program`);
  let output = '';
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-OUTPUT_TAIL_CHARS);
    });
  }
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('not started'));
  });
  const running = () => child.exitCode === null && child.signalCode === null && !spawnError;
  async function stop(graceMs = 5000): Promise<void> {
    if (!running()) return;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(kill);
  }
  const tail = () => (output.trim() ? `; its last output: ${output.trim().split('\n').slice(-8).join(' | ')}` : '');

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (spawnError) {
      const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
      throw new Error(
        missing ? `${command} not found: Zipkin needs Java >= 17 (${JAVA_INSTALL})` : `zipkin did not start: ${spawnError.message}`,
      );
    }
    if (!running()) throw new Error(`zipkin exited (${child.exitCode ?? child.signalCode}) before it answered at ${url}${tail()}`);
    const answered = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
      .then(async (response) => {
        await response.body?.cancel();
        return response.ok;
      })
      .catch(() => false);
    if (answered) break;
    if (Date.now() > deadline) {
      await stop(1000);
      throw new Error(`zipkin did not answer GET ${url}/health within ${readyTimeoutMs / 1000} s${tail()}`);
    }
    await sleep(200);
  }
  return { url, uiUrl: `${url}/zipkin/`, pid: child.pid ?? -1, exited, stop };
}
