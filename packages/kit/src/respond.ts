// Building this hop's entry and answering a chain as text or JSON, with the route schema both forms share.

import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Chain, ChainSchema, type Failure, type Hop, renderText } from './chain.ts';

const both = {
  content: {
    'application/json': { schema: ChainSchema },
    'text/plain': { schema: Type.String() },
  },
};

/** Schema of a chain route (`GET /`): the same facts as JSON or one line of text, for success and failure. */
export const chainRouteSchema = {
  headers: Type.Object({ accept: Type.Optional(Type.String()) }),
  response: { 200: both, '4xx': both, '5xx': both },
} as const;

/**
 * Whether a request is a mirrored copy: it arrived on the shadow port (where the chart points mirrors: the only mark
 * that survives Istio >= 1.28, whose mirrors keep the Host as it was), or its Host carries the `-shadow` suffix older
 * meshes append (Envoy puts it before the port; older ones after it).
 */
export function isShadow(host: string | undefined, localPort?: number, shadowPort?: number): boolean {
  if (shadowPort !== undefined && localPort === shadowPort) return true;
  if (!host) return false;
  return host.endsWith('-shadow') || host.replace(/:\d+$/, '').endsWith('-shadow');
}

/** JSON when the client asks for it (a q=0 refusal does not count); text for anything else, curl's default included. */
export function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    if (type !== 'application/json' && !type?.endsWith('+json')) return false;
    return !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
  });
}

/** Send a chain with its status in the form the client asked for. */
export function sendChain(request: FastifyRequest, reply: FastifyReply, body: Chain): FastifyReply {
  const status = body.chain[0]?.status ?? 500;
  reply.code(status).header('vary', 'accept');
  if (wantsJson(request.headers.accept)) return reply.type('application/json').send(body);
  return reply.type('text/plain; charset=utf-8').send(`${renderText(body)}\n`);
}

/** This hop's entry, with the status it is about to answer. */
export function hopEntry(hop: Omit<Hop, 'status'>, status: number): Hop {
  return { ...hop, status };
}

/** A chain that ends here with a failure this hop raised itself (misbehave, injected fault). */
export function faultChain(hop: Omit<Hop, 'status'>, status: number, message: string): Chain {
  const failure: Failure = { kind: 'fault', service: hop.service, status, message };
  return { chain: [hopEntry(hop, status)], error: failure };
}
