// The leaf's routes: answer its own hop, and the tutorial's /misbehave and /behave toggles.
import { chainRouteSchema, faultChain, hopEntry, sendChain, type ServiceRoutes } from '@mesh-demo/kit';

const toggleSchema = { response: { 200: { type: 'string' } } } as const;

export const leafRoutes: ServiceRoutes = (app, context) => {
  let misbehaving = false;

  app.get('/', { schema: chainRouteSchema }, async (request, reply) => {
    // Counted before the misbehave check, as in the tutorial: a failing pod's count still moves.
    const hop = context.hop(request);
    if (misbehaving) return sendChain(request, reply, faultChain(hop, 503, `recommendation misbehavior from '${hop.host}'`));
    return sendChain(request, reply, { chain: [hopEntry(hop, 200)] });
  });

  app.get('/misbehave', { schema: toggleSchema }, async (request, reply) => {
    misbehaving = true;
    request.log.info('misbehave: / now answers 503');
    return reply.type('text/plain; charset=utf-8').send('Following requests to / will return a 503\n');
  });

  app.get('/behave', { schema: toggleSchema }, async (request, reply) => {
    misbehaving = false;
    request.log.info('behave: / now answers 200');
    return reply.type('text/plain; charset=utf-8').send('Following requests to / will return 200\n');
  });
};
