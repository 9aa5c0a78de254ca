// The route of every service that has a downstream: count the hit, call the next hop, prefix this hop to its chain.
import type { Chain } from './chain.ts';
import { chainRouteSchema, hopEntry, sendChain } from './respond.ts';
import type { ServiceRoutes } from './service.ts';

export const forwardRoutes: ServiceRoutes = (app, context) => {
  app.get('/', { schema: chainRouteSchema }, async (request, reply) => {
    const hop = context.hop(request);
    const outcome = await context.callDownstream(request);
    let body: Chain;
    if (outcome.type === 'chain') {
      // Any non-2xx below us is a 503 here, as in the tutorial; the downstream's own status stays in its hop.
      const ok = outcome.status >= 200 && outcome.status < 300;
      body = { ...outcome.body, chain: [hopEntry(hop, ok ? 200 : 503), ...outcome.body.chain] };
    } else {
      body = { chain: [hopEntry(hop, outcome.answer)], error: outcome.failure };
    }
    return sendChain(request, reply, body);
  });
};
