// The leaf's routes: answer its own hop, and the tutorial's /misbehave and /behave toggles (a 503 error fault).
import { chainRoute, hopEntry, type ServiceRoutes } from '@mesh-demo/kit';

const toggleSchema = { response: { 200: { type: 'string' } } } as const;

export const leafRoutes: ServiceRoutes = (app, context) => {
  chainRoute(app, context, async (_request, hop) => ({ chain: [hopEntry(hop, 200)] }));

  app.get('/misbehave', { schema: toggleSchema }, async (request, reply) => {
    context.faults.set({ ...context.faults.current, errorRate: 1, errorStatus: 503 });
    request.log.info('misbehave: / now answers 503');
    return reply.type('text/plain; charset=utf-8').send('Following requests to / will return a 503\n');
  });

  app.get('/behave', { schema: toggleSchema }, async (request, reply) => {
    context.faults.set({ ...context.faults.current, errorRate: 0 });
    request.log.info('behave: / now answers 200');
    return reply.type('text/plain; charset=utf-8').send('Following requests to / will return 200\n');
  });
};
