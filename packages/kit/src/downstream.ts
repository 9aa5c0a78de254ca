// The call a route makes to the next hop (its propagated headers, timed, failures logged), and the typed client behind
// it: a keep-alive undici Pool with one deadline, a bounded body and exact failures. Reached from chain-route.ts; the
// headers it sends are headers.ts', and what it accepts back is chain.ts' (README.md).
import { context as otelContext, propagation } from '@opentelemetry/api';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { type Chain, ChainSchema, type Failure } from './chain.ts';
import type { DownstreamConfig, ServiceConfig } from './config.ts';
import { Pool, request } from './fast/undici-pool.ts';
import { namesToCopy, propagatedHeaders } from './headers.ts';
import { labelledOnce, type Metrics } from './metrics.ts';

const isChain = TypeCompiler.Compile(ChainSchema);

/** What the downstream gave back: its own chain (any status), or a failure to report in its place. */
export type DownstreamOutcome =
  | { readonly type: 'chain'; readonly status: number; readonly body: Chain }
  | { readonly type: 'failure'; readonly failure: Failure; readonly answer: number };

export interface TracingOptions {
  /** Header names the tracer writes itself; they are not copied from the incoming request. */
  readonly tracerOwnedHeaders?: ReadonlySet<string>;
  /** Write the active trace context into downstream calls (when tracing is on but outgoing calls are not instrumented). */
  readonly injectTraceContext?: boolean;
}

/** Call the downstream for one request: its propagated headers and trace context, timed in metrics, failures logged. */
export function downstreamCall(
  client: DownstreamClient,
  config: ServiceConfig,
  metrics: Metrics,
  tracing: TracingOptions,
): (request: FastifyRequest) => Promise<DownstreamOutcome> {
  const names = namesToCopy(config.propagateHeaders, tracing.tracerOwnedHeaders);
  const downstreamDuration = labelledOnce((...values) => metrics.downstreamDuration.labels(...values));
  return async (request) => {
    const headers = propagatedHeaders(request.headers, { names, requestId: request.id, edge: config.service.edge });
    if (tracing.injectTraceContext) propagation.inject(otelContext.active(), headers);
    const started = performance.now();
    const outcome = await client.call(headers);
    downstreamDuration(client.name, outcomeLabel(outcome)).observe((performance.now() - started) / 1000);
    if (outcome.type === 'failure') request.log.warn({ downstream: client.name, failure: outcome.failure }, 'downstream call failed');
    return outcome;
  };
}

/** Metric label for an outcome, so dashboards can split errors by cause. */
function outcomeLabel(outcome: DownstreamOutcome): string {
  if (outcome.type === 'chain') return outcome.status < 400 ? 'ok' : 'error_status';
  return outcome.failure.kind === 'status' ? 'error_status' : outcome.failure.kind.replace('-', '_');
}

/** One downstream's client: `call` never throws, it answers with the downstream's chain or a failure named exactly. */
export interface DownstreamClient {
  readonly name: string;
  call(headers: Record<string, string>): Promise<DownstreamOutcome>;
  close(): Promise<void>;
}

/** The client of the configured downstream, over its own Pool or over an injected dispatcher (a test's MockAgent). */
export function createDownstreamClient(config: DownstreamConfig, dispatcher?: Dispatcher): DownstreamClient {
  const { name, timeoutMs } = config;
  const pool: Dispatcher =
    dispatcher ??
    new Pool(config.url, {
      connections: config.connections,
      connect: { timeout: config.connectTimeoutMs },
      // Backstops; the overall deadline below is what callers see.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      maxResponseSize: config.maxBodyBytes,
      // Shorter than any server's keep-alive (Node 5 s, Fastify 72 s, Envoy 1 h) so we close idle sockets first.
      keepAliveTimeout: 4000,
    });
  const origin = new URL(config.url).origin;

  async function attempt(headers: Record<string, string>, signal: AbortSignal): Promise<DownstreamOutcome> {
    let response: Dispatcher.ResponseData;
    try {
      response = await send(pool, origin, { ...headers, accept: 'application/json' }, signal);
    } catch (error) {
      const code = errorCode(error);
      if (signal.aborted || TIMEOUT_CODES.has(code)) return timedOut(config);
      if (code === 'HTTPParserError' || code.startsWith('HPE_'))
        return failed(config, 'invalid-response', `${name} answered with something that is not HTTP`, 502);
      const cause = code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect timeout' : code;
      return failed(config, 'unreachable', `${name} unreachable (${cause})`, 503);
    }
    return outcomeOf(config, response, signal);
  }

  async function call(headers: Record<string, string>): Promise<DownstreamOutcome> {
    // One deadline over connect, headers and body, cleared as soon as the call is done. Not AbortSignal.timeout: its
    // timer cannot be cancelled, so every request would leave a live timer and signal behind for timeoutMs and then
    // build a DOMException (with a stack) when it fires, long after the answer went out.
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), timeoutMs);
    try {
      return await attempt(headers, controller.signal);
    } finally {
      clearTimeout(deadline);
    }
  }

  // An injected dispatcher belongs to the caller, who closes it.
  return { name, call, close: async () => (dispatcher ? undefined : pool.close()) };
}

/** One GET, sent again when a pooled keep-alive socket turns out dead. */
async function send(
  pool: Dispatcher,
  origin: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  const options = { origin, path: '/', method: 'GET' as const, headers, signal };
  for (let retry = 0; ; retry++) {
    try {
      return await request(pool, options);
    } catch (error) {
      if (signal.aborted || retry >= STALE_RETRIES || !STALE_SOCKET.has(errorCode(error))) throw error;
    }
  }
}

/** The response as an outcome: its chain, or what went wrong, named exactly. */
async function outcomeOf(config: DownstreamConfig, response: Dispatcher.ResponseData, signal: AbortSignal): Promise<DownstreamOutcome> {
  const { name } = config;
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    const code = errorCode(error);
    if (signal.aborted || TIMEOUT_CODES.has(code)) return timedOut(config);
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
      return failed(config, 'invalid-response', `${name} response exceeded ${config.maxBodyBytes} bytes`, 502, response.statusCode);
    }
    return failed(config, 'invalid-response', `${name} broke off its response (${code})`, 502, response.statusCode);
  }
  const { statusCode } = response;
  const contentType = String(response.headers['content-type'] ?? '');
  if (contentType.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isChain.Check(parsed)) return { type: 'chain', status: statusCode, body: parsed };
  }
  if (statusCode >= 200 && statusCode < 300) {
    return failed(config, 'invalid-response', `${name} sent a response that is not a chain`, 502, statusCode);
  }
  // Not one of ours: the mesh (fault filter, RBAC) or a proxy answered. Report its words and status.
  return failed(config, 'status', firstLine(text) || `${name} answered ${statusCode}`, 503, statusCode);
}

/** A failure to report in the downstream's place, and the status this hop answers for it. */
function failed(config: DownstreamConfig, kind: Failure['kind'], message: string, answer: number, status?: number): DownstreamOutcome {
  return { type: 'failure', failure: { kind, service: config.name, message, ...(status !== undefined && { status }) }, answer };
}

const timedOut = (config: DownstreamConfig) => failed(config, 'timeout', `${config.name} timed out after ${config.timeoutMs} ms`, 504);

// Errors that mean a pooled keep-alive socket died under us (peer restarted): safe to send a GET again.
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
// Each failure drops one dead socket, but after a restart several pooled sockets can be dead at once and the next
// attempt may take another of them before a new connection is opened: so a little more than one retry.
const STALE_RETRIES = 2;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const MAX_MESSAGE = 200;

function errorCode(error: unknown): string {
  const e = error as { code?: unknown; cause?: { code?: unknown }; name?: unknown };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return typeof e?.name === 'string' ? e.name : 'Error';
}

/** First line of a foreign error body (an Envoy "fault filter abort", "RBAC: access denied"), printable and short. */
function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, MAX_MESSAGE);
}
