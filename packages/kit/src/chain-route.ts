// The one `GET /` every service has: count the hop, apply faults, get the answer (the next hop's, or the leaf's own),
// and send it as JSON or text. Reached from service.ts; the next file on the way is downstream.ts (README.md).
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Chain, ChainSchema, type Failure, type Hop, renderText } from './chain.ts';
import type { ServiceConfig } from './config.ts';
import type { DownstreamOutcome } from './downstream.ts';
import type { FaultControl } from './faults.ts';
import { isShadow } from './headers.ts';
import { labelledOnce, type Metrics } from './metrics.ts';
import { inMirroredCopyTrace } from './mirrored-copy-trace.ts';

/** What a service's routes get to work with; service.ts builds it. */
export interface ServiceContext {
  readonly config: ServiceConfig;
  readonly metrics: Metrics;
  readonly faults: FaultControl;
  /** Call the configured downstream with this request's propagated headers (downstream.ts). */
  callDownstream(request: FastifyRequest): Promise<DownstreamOutcome>;
}

/** A service's routes on its public app: `forwardRoutes` below, or the leaf's own. */
export type ServiceRoutes = (app: FastifyInstance, context: ServiceContext) => void;

/** What a service adds: given its counted hop (without status), the chain it answers. */
export type Answer = (request: FastifyRequest, hop: Omit<Hop, 'status'>) => Promise<Chain>;

/** The route of every service that has a downstream: call the next hop and prefix this hop to its chain. */
export const forwardRoutes: ServiceRoutes = (app, context) => {
  chainRoute(app, context, async (request, hop) => {
    const outcome = await context.callDownstream(request);
    if (outcome.type === 'failure') return { chain: [hopEntry(hop, outcome.answer)], error: outcome.failure };
    // Any non-2xx below us is a 503 here, as in the tutorial; the downstream's own status stays in its hop.
    const ok = outcome.status >= 200 && outcome.status < 300;
    return { ...outcome.body, chain: [hopEntry(hop, ok ? 200 : 503), ...outcome.body.chain] };
  });
};

export function chainRoute(app: FastifyInstance, context: ServiceContext, answer: Answer): void {
  const countHop = hopCounter(context);
  app.get('/', { schema: chainRouteSchema }, async (request, reply) => {
    // Counted first, as in the tutorial: a failing or slow pod's count still moves.
    const hop = countHop(request);
    // Only a mirrored copy may need a trace of its own; every other request goes straight on, with no extra closure.
    if (!hop.shadow) return respond(request, reply, hop);
    const attributes = { 'mesh_demo.version': hop.version, 'mesh_demo.shadow': true, 'guid:x-request-id': request.id };
    return inMirroredCopyTrace(
      true,
      attributes,
      () => respond(request, reply, hop),
      () => reply.statusCode,
    );
  });

  async function respond(request: FastifyRequest, reply: FastifyReply, hop: Omit<Hop, 'status'>): Promise<FastifyReply> {
    const fault = context.faults.decide(request);
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault.errorStatus !== undefined) {
      return sendChain(request, reply, faultChain(hop, fault.errorStatus, `${hop.service} misbehavior from '${hop.host}'`));
    }
    return sendChain(request, reply, await answer(request, hop));
  }
}

/** The per-instance hit counter: each call counts one request to `/` (in the answer and in metrics) and describes this hop. */
function hopCounter({ config, metrics }: ServiceContext): (request: FastifyRequest) => Omit<Hop, 'status'> {
  const { name } = config.service;
  let hits = 0;
  const hitsOf = labelledOnce((...values) => metrics.hits.labels(...values));
  return (request) => {
    const shadow = isShadow(request.headers.host, request.socket?.localPort, config.shadowPort);
    hits += 1;
    hitsOf(name, config.version, String(shadow)).inc();
    // On the request's server span, so a trace tells a mirrored copy's spans (and which version answered) from the
    // original's: the proxies' spans cannot, Istio >= 1.28 keeps a mirror's Host as it was.
    trace.getActiveSpan()?.setAttributes({ 'mesh_demo.version': config.version, 'mesh_demo.shadow': shadow });
    return { service: name, version: config.version, host: config.hostname, hits, shadow };
  };
}

/** This hop's entry, with the status it is about to answer. */
export function hopEntry(hop: Omit<Hop, 'status'>, status: number): Hop {
  return { ...hop, status };
}

/** A chain that ends here with a failure this hop raised itself (misbehave, injected fault). */
function faultChain(hop: Omit<Hop, 'status'>, status: number, message: string): Chain {
  const failure: Failure = { kind: 'fault', service: hop.service, status, message };
  return { chain: [hopEntry(hop, status)], error: failure };
}

/** Send a chain with its status in the form the client asked for. */
function sendChain(request: FastifyRequest, reply: FastifyReply, body: Chain): FastifyReply {
  const status = body.chain[0]?.status ?? 500;
  reply.code(status).header('vary', 'accept');
  if (wantsJson(request.headers.accept)) return reply.type('application/json').send(body);
  return reply.type('text/plain; charset=utf-8').send(`${renderText(body)}\n`);
}

/** JSON when the client asks for it (a q=0 refusal does not count); text for anything else, curl's default included. */
function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    if (type !== 'application/json' && !type?.endsWith('+json')) return false;
    return !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
  });
}

const both = {
  content: {
    'application/json': { schema: ChainSchema },
    'text/plain': { schema: Type.String() },
  },
};

/**
 * Schema of a chain route (`GET /`): the same facts as JSON or one line of text, for success and failure. No request
 * schema: the route takes no body or query, and any Accept header is valid (a headers schema could only ever pass, and
 * validating it cost every request an Ajv call).
 */
const chainRouteSchema = {
  response: { 200: both, '4xx': both, '5xx': both },
} as const;
