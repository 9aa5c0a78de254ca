// Liveness and readiness routes; readiness reads the shared state that graceful shutdown flips.

import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

export interface ServiceState {
  /** False from the first shutdown signal on, so endpoints drop the pod before it stops accepting. */
  ready: boolean;
}

const HealthSchema = Type.Object({ status: Type.Union([Type.Literal('UP'), Type.Literal('DOWN')]) }, { additionalProperties: false });

/** `isReady` combines shutdown state and the readiness fault. */
export function healthRoutes(app: FastifyInstance, isReady: () => boolean): void {
  app.get('/health/live', { schema: { response: { 200: HealthSchema } } }, async () => ({ status: 'UP' as const }));
  app.get('/health/ready', { schema: { response: { 200: HealthSchema, 503: HealthSchema } } }, async (_request, reply) =>
    isReady() ? { status: 'UP' as const } : reply.code(503).send({ status: 'DOWN' as const }),
  );
}
