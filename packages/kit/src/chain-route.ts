// The one `GET /` every service has: count the hit, apply injected faults, let the service answer, send text or JSON.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Chain, Hop } from './chain.ts';
import { chainRouteSchema, faultChain, sendChain } from './respond.ts';
import type { ServiceContext } from './service.ts';

/** What a service adds: given its counted hop (without status), the chain it answers. */
export type Answer = (request: FastifyRequest, hop: Omit<Hop, 'status'>) => Promise<Chain>;

export function chainRoute(app: FastifyInstance, context: ServiceContext, answer: Answer): void {
  app.get('/', { schema: chainRouteSchema }, async (request, reply) => {
    // Counted first, as in the tutorial: a failing or slow pod's count still moves.
    const hop = context.hop(request);
    const fault = context.faults.decide(request);
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault.errorStatus !== undefined) {
      return sendChain(request, reply, faultChain(hop, fault.errorStatus, `${hop.service} misbehavior from '${hop.host}'`));
    }
    return sendChain(request, reply, await answer(request, hop));
  });
}
