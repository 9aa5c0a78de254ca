// The management port's fault controls: read, replace and clear the faults in force, counted in metrics.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decide, type FaultDecision, type Faults, FaultsSchema, faultsProblem, NO_FAULTS } from './faults.ts';
import type { Metrics } from './metrics.ts';

/** The live fault state of one service instance. */
export interface FaultControl {
  readonly current: Faults;
  set(faults: Faults): void;
  /** Decide for one request, counting what is injected. */
  decide(request: FastifyRequest): FaultDecision;
}

export function createFaultControl(initial: Faults, metrics: Metrics): FaultControl {
  let current = initial;
  return {
    get current() {
      return current;
    },
    set(faults) {
      current = faults;
    },
    decide(request) {
      const decision = decide(current, (name) => request.headers[name]);
      if (decision.delayMs > 0) metrics.faults.labels('delay', '').inc();
      if (decision.errorStatus !== undefined) metrics.faults.labels('error', String(decision.errorStatus)).inc();
      return decision;
    },
  };
}

const problemSchema = { type: 'string' } as const;

export function faultRoutes(management: FastifyInstance, control: FaultControl): void {
  const schema = { response: { 200: FaultsSchema } };
  management.get('/faults', { schema }, async () => control.current);
  management.put<{ Body: Faults }>(
    '/faults',
    { schema: { ...schema, body: FaultsSchema, response: { 200: FaultsSchema, 400: problemSchema } }, bodyLimit: 4096 },
    async (request, reply) => {
      const problem = faultsProblem(request.body);
      if (problem) return reply.code(400).type('text/plain; charset=utf-8').send(`invalid faults: ${problem}\n`);
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
