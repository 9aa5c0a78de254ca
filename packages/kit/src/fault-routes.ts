// The management port's fault routes: read, replace and clear the faults in force.
import type { FastifyInstance } from 'fastify';
import { delayInverted, type FaultControl, type Faults, FaultsSchema, NO_FAULTS } from './faults.ts';

const problemSchema = { type: 'string' } as const;

export function faultRoutes(management: FastifyInstance, control: FaultControl): void {
  const schema = { response: { 200: FaultsSchema } };
  management.get('/faults', { schema }, async () => control.current);
  management.put<{ Body: Faults }>(
    '/faults',
    { schema: { ...schema, body: FaultsSchema, response: { 200: FaultsSchema, 400: problemSchema } }, bodyLimit: 4096 },
    async (request, reply) => {
      // The shape is the body schema's, enforced by Fastify before this runs; what it cannot say is checked here.
      if (delayInverted(request.body)) {
        return reply.code(400).type('text/plain; charset=utf-8').send('invalid faults: delayMaxMs must be >= delayMs\n');
      }
      control.set(request.body);
      request.log.warn({ faults: request.body }, 'faults changed');
      return control.current;
    },
  );
  management.delete('/faults', { schema }, async (request) => {
    control.set(NO_FAULTS);
    request.log.info('faults cleared');
    return control.current;
  });
}
