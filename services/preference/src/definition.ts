// preference's definition: its name, whether it is an edge and what it calls; plain data, so tools read it without Fastify.
import type { ServiceDefinition } from '@mesh-demo/kit';

export const definition = { name: 'preference', edge: false, downstream: 'recommendation' } as const satisfies ServiceDefinition;
