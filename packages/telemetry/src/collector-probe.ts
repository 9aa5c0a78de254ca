// Whether the collector spans go to accepts a connection: a TCP connect, cheap and the same for OTLP and Jaeger's HTTP.
import { connect } from 'node:net';
import type { ExporterName } from './settings.ts';

type Env = Readonly<Record<string, string | undefined>>;

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * The HTTP endpoint the exporter sends to, or undefined where there is nothing to connect to ahead of time: the Jaeger
 * agent is UDP (a send never fails), console prints.
 */
export function collectorUrl(name: ExporterName, env: Env): URL | undefined {
  const raw =
    name === 'otlp'
      ? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318'
      : name === 'jaeger'
        ? env.OTEL_EXPORTER_JAEGER_ENDPOINT?.trim()
        : undefined;
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Connects to the URL's host and port and closes at once; a refusal, a DNS failure or silence past `timeoutMs` is a no. */
export function probeCollector(url: URL, timeoutMs: number): Promise<ProbeResult> {
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
    timer.unref();
    socket.unref();
    socket.once('connect', () => finish({ ok: true }));
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, reason: error.code ?? error.message }));
  });
}
