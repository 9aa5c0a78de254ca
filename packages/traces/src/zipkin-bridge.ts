// An OTLP/HTTP receiver (JSON) that hands every span on to Zipkin: Jaeger copies its spans here, Zipkin's UI shows them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { otlpToZipkin, type ZipkinSpan } from './otlp-to-zipkin.ts';

export interface ZipkinBridgeOptions {
  /** Address to listen on; default 127.0.0.1 (nothing here is meant for other machines). */
  readonly host?: string;
  /** Port to listen on; 0 (the default) takes a free one, which `url` then names. */
  readonly port?: number;
  /** Zipkin's base URL, e.g. http://127.0.0.1:9411: spans go to <zipkinUrl>/api/v2/spans. */
  readonly zipkinUrl: string;
  /** Largest request body taken (after gzip, if sent gzipped); larger ones get 413. Default 32 MiB. */
  readonly maxBodyBytes?: number;
  /** How long one POST to Zipkin may take before its spans count as dropped. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Spans waiting for Zipkin at most; what comes in beyond that is dropped. Default 20 000. */
  readonly maxQueuedSpans?: number;
  /** Lines worth a person's attention: Zipkin stopped taking spans, or takes them again. Default: none printed. */
  readonly log?: (line: string) => void;
}

export interface BridgeStats {
  /** Spans that came in and converted. */
  readonly received: number;
  /** Spans Zipkin accepted. */
  readonly forwarded: number;
  /** Spans lost because Zipkin was down, slow, full or refused them. */
  readonly dropped: number;
  /** Spans left out because they were malformed (named in the reply's partialSuccess). */
  readonly rejected: number;
  /** Spans queued or on their way to Zipkin now. */
  readonly pending: number;
  /** Why spans were last dropped or rejected, if ever. */
  readonly lastError?: string;
}

export interface ZipkinBridge {
  /** The OTLP/HTTP endpoint to send to (the exporter appends /v1/traces). */
  readonly url: string;
  stats(): BridgeStats;
  /** Stops taking requests, gives queued spans up to `drainMs` (default 2000) to reach Zipkin, then drops the rest. */
  close(drainMs?: number): Promise<void>;
}

const MAX_BATCH_SPANS = 5000;
/** POSTs to Zipkin at once: enough to overlap one slow answer, few enough not to pile onto a struggling Zipkin. */
const MAX_IN_FLIGHT = 2;

class Refusal extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Why a fetch failed, in the socket's words (ECONNREFUSED), or the timeout. */
function reason(error: unknown, timeoutMs: number): string {
  if ((error as Error).name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if ((error as Error).name === 'AbortError') return 'the bridge was closing';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    return Promise.reject(new Refusal(415, `content-encoding ${encoding} is not taken here: send it uncompressed (or gzip)`));
  }
  const declared = Number(request.headers['content-length']);
  if (encoding === 'identity' && declared > limit) {
    return Promise.reject(new Refusal(413, `the body is ${declared} bytes, over this bridge's limit of ${limit}`));
  }
  const stream = encoding === 'gzip' ? request.pipe(createGunzip()) : request;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.destroy();
        reject(new Refusal(413, `the body is over this bridge's limit of ${limit} bytes`));
      } else chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', (error: Error) => reject(new Refusal(400, `the body could not be read: ${error.message}`)));
  });
}

/** OTLP/HTTP's error body: a google.rpc.Status as JSON (the exporter logs its message). */
function refuse(response: ServerResponse, status: number, message: string): void {
  const code = status === 400 ? 3 : status === 413 ? 8 : 12;
  response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify({ code, message })}\n`);
}

export async function startZipkinBridge(options: ZipkinBridgeOptions): Promise<ZipkinBridge> {
  const zipkin = new URL('api/v2/spans', options.zipkinUrl.endsWith('/') ? options.zipkinUrl : `${options.zipkinUrl}/`);
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxQueuedSpans = options.maxQueuedSpans ?? 20_000;
  const log = options.log ?? (() => {});
  const counts = { received: 0, forwarded: 0, dropped: 0, rejected: 0 };
  let lastError: string | undefined;
  const queue: ZipkinSpan[] = [];
  let inFlight = 0;
  let inFlightSpans = 0;
  /** Spans dropped since Zipkin last took a batch: when set, Zipkin is failing, and the line saying so has been printed. */
  let failingSince: number | undefined;
  const closing = new AbortController();
  let drained: (() => void) | undefined;

  function drop(count: number, why: string): void {
    counts.dropped += count;
    lastError = why;
    if (failingSince === undefined) {
      failingSince = counts.dropped - count;
      log(`zipkin-bridge: spans are dropped: ${why} (Jaeger keeps its own copy; the UI misses these)`);
    }
  }

  async function send(batch: ZipkinSpan[]): Promise<void> {
    try {
      const response = await fetch(zipkin, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), closing.signal]),
      });
      const body = await response.text();
      if (!response.ok) {
        drop(batch.length, `Zipkin at ${zipkin} answered ${response.status}: ${body.split('\n')[0]!.slice(0, 300)}`);
        return;
      }
      counts.forwarded += batch.length;
      if (failingSince !== undefined) {
        log(`zipkin-bridge: Zipkin at ${zipkin} takes spans again (${counts.dropped - failingSince} spans dropped meanwhile)`);
        failingSince = undefined;
      }
    } catch (error) {
      drop(batch.length, `Zipkin at ${zipkin} does not answer (${reason(error, timeoutMs)})`);
    }
  }

  function pump(): void {
    while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH_SPANS);
      inFlight += 1;
      inFlightSpans += batch.length;
      void send(batch).finally(() => {
        inFlight -= 1;
        inFlightSpans -= batch.length;
        pump();
      });
    }
    if (inFlight === 0 && queue.length === 0) drained?.();
  }

  function enqueue(spans: ZipkinSpan[]): void {
    counts.received += spans.length;
    if (queue.length + inFlightSpans + spans.length > maxQueuedSpans) {
      drop(spans.length, `Zipkin at ${zipkin} is behind: ${queue.length + inFlightSpans} spans already wait for it`);
      return;
    }
    queue.push(...spans);
    pump();
  }

  async function traces(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      request.resume();
      throw new Refusal(
        415,
        `this bridge takes OTLP/JSON only (content-type application/json), got ${type || 'no content-type'}: set encoding: json on the otlphttp exporter`,
      );
    }
    const body = await readBody(request, maxBodyBytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      throw new Refusal(400, `the body is not JSON: ${(error as Error).message}`);
    }
    const conversion = otlpToZipkin(parsed);
    if (!conversion.ok) throw new Refusal(400, conversion.error);
    // Answered before Zipkin is asked: Jaeger's exporter never waits on Zipkin, whatever state it is in.
    if (conversion.rejected.length) {
      counts.rejected += conversion.rejected.length;
      lastError = conversion.rejected[0];
      const more = conversion.rejected.length > 1 ? ` (and ${conversion.rejected.length - 1} more)` : '';
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          partialSuccess: { rejectedSpans: String(conversion.rejected.length), errorMessage: `${conversion.rejected[0]}${more}` },
        }),
      );
    } else {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }
    if (conversion.spans.length) enqueue(conversion.spans);
  }

  const stats = (): BridgeStats => ({ ...counts, pending: queue.length + inFlightSpans, ...(lastError ? { lastError } : {}) });

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    let handled: Promise<void>;
    if (path === '/v1/traces' && request.method === 'POST') handled = traces(request, response);
    else if (path === '/v1/traces') {
      request.resume();
      response.setHeader('allow', 'POST');
      handled = Promise.reject(new Refusal(405, `${request.method} ${path}: only POST is taken here`));
    } else if ((path === '/health' || path === '/stats') && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(path === '/health' ? { status: 'UP' } : stats()));
      handled = Promise.resolve();
    } else {
      request.resume();
      handled = Promise.reject(new Refusal(404, `${request.method} ${path}: not here (POST /v1/traces, GET /health, GET /stats)`));
    }
    handled.catch((error: unknown) => {
      if (response.headersSent) return;
      if (error instanceof Refusal) refuse(response, error.status, error.message);
      else refuse(response, 500, `the bridge failed on this request: ${(error as Error).message}`);
    });
  });
  // A stalled sender must not hold a socket for ever; Jaeger's exporter sends a whole batch in well under these.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    stats,
    async close(drainMs = 2000) {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0 || queue.length > 0) {
        const done = new Promise<void>((resolve) => (drained = resolve));
        const timer = setTimeout(() => {
          if (queue.length) drop(queue.length, 'the bridge was closing');
          queue.length = 0;
          closing.abort();
        }, drainMs);
        await done;
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await stopped;
    },
  };
}

export interface BridgeSettings {
  readonly host: string;
  readonly port: number;
  readonly zipkinUrl: string;
}

/** A setting that is wrong: one line naming it, its source and the value (the entry exits 2 with it). */
export class SettingsError extends Error {}

const BRIDGE_USAGE =
  'usage: zipkin-bridge-main.ts [--host ADDRESS] [--port PORT] [--zipkin-url URL] (or ZIPKIN_BRIDGE_HOST, ZIPKIN_BRIDGE_PORT, ZIPKIN_URL)';

/**
 * The bridge process's settings: each from its flag, else its env var, else the default (127.0.0.1, a free port,
 * http://127.0.0.1:9411). Throws a SettingsError for a value that cannot be used.
 */
export function bridgeSettings(args: readonly string[], env: Readonly<Record<string, string | undefined>>): BridgeSettings {
  let flags: Record<string, string | undefined>;
  try {
    flags = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: { host: { type: 'string' }, port: { type: 'string' }, 'zipkin-url': { type: 'string' } },
    }).values;
  } catch (error) {
    // parseArgs' first sentence names the option; the rest is advice about `--` that does not apply here.
    throw new SettingsError(`${(error as Error).message.split(/\.\s/)[0]}; ${BRIDGE_USAGE}`);
  }
  const pick = (flag: string, variable: string, fallback: string): [string, string] =>
    flags[flag] !== undefined ? [flags[flag]!, `--${flag}`] : env[variable] ? [env[variable]!, variable] : [fallback, 'default'];
  const [host, hostFrom] = pick('host', 'ZIPKIN_BRIDGE_HOST', '127.0.0.1');
  if (!isIP(host) && host !== 'localhost') throw new SettingsError(`${hostFrom} wants an IP address to listen on, got "${host}"`);
  const [portText, portFrom] = pick('port', 'ZIPKIN_BRIDGE_PORT', '0');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new SettingsError(`${portFrom} wants a port number 0-65535 (0: any free one), got "${portText}"`);
  const [zipkinUrl, urlFrom] = pick('zipkin-url', 'ZIPKIN_URL', 'http://127.0.0.1:9411');
  let parsed: URL | undefined;
  try {
    parsed = new URL(zipkinUrl);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
    throw new SettingsError(`${urlFrom} wants Zipkin's base URL, e.g. http://127.0.0.1:9411, got "${zipkinUrl}"`);
  }
  return { host, port, zipkinUrl };
}
