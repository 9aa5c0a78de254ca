// Whether the collector spans go to accepts a connection: a TCP connect, cheap and the same for OTLP and Jaeger's HTTP.
import { connect } from 'node:net';
import { exporterEndpoint } from './exporters.ts';
import type { ExporterName } from './settings.ts';

type Env = Readonly<Record<string, string | undefined>>;

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * The HTTP endpoint the exporter sends to, or undefined where there is nothing to connect to ahead of time: the Jaeger
 * agent is UDP (a send never fails), console prints.
 */
export function collectorUrl(name: ExporterName, env: Env): URL | undefined {
  // The probe reads only host and port, the same in the endpoint as set and in the URL spans go to.
  const raw = exporterEndpoint(name, env)?.configured;
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

export interface ProbeOptions {
  /**
   * False to let the probe hold the event loop. The services probe beside their work and must not be kept alive by it
   * (the default), but a caller that awaits the probe with nothing else running (`pnpm start`'s top-level await) needs
   * it held: Node exits (13) with the await unsettled when nothing keeps the loop alive.
   */
  readonly unref?: boolean;
}

/** Connects to the URL's host and port and closes at once; a refusal, a DNS failure or silence past `timeoutMs` is a no. */
export function probeCollector(url: URL, timeoutMs: number, { unref = true }: ProbeOptions = {}): Promise<ProbeResult> {
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  // URL keeps the brackets of an IPv6 literal; net.connect wants the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (result: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    if (unref) {
      timer.unref();
      socket.unref();
    }
    socket.once('connect', () => finish({ ok: true }));
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, reason: error.code ?? error.message }));
  });
}
