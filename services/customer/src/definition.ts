// customer's definition: its name, whether it is an edge and what it calls; plain data, so tools read it without Fastify.
import type { ServiceDefinition } from '@mesh-demo/kit';

export const definition = { name: 'customer', edge: true, downstream: 'preference' } as const satisfies ServiceDefinition;
