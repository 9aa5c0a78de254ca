// The route of every service that has a downstream: call the next hop and prefix this hop to its chain.
import { chainRoute } from './chain-route.ts';
import { hopEntry } from './respond.ts';
import type { ServiceRoutes } from './service.ts';

export const forwardRoutes: ServiceRoutes = (app, context) => {
  chainRoute(app, context, async (request, hop) => {
    const outcome = await context.callDownstream(request);
    if (outcome.type === 'failure') return { chain: [hopEntry(hop, outcome.answer)], error: outcome.failure };
    // Any non-2xx below us is a 503 here, as in the tutorial; the downstream's own status stays in its hop.
    const ok = outcome.status >= 200 && outcome.status < 300;
    return { ...outcome.body, chain: [hopEntry(hop, ok ? 200 : 503), ...outcome.body.chain] };
  });
};
