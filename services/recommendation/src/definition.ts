// recommendation's definition: its name, whether it is an edge and what it calls; plain data, so tools read it without Fastify.
import type { ServiceDefinition } from '@mesh-demo/kit';

export const definition = { name: 'recommendation', edge: false } as const satisfies ServiceDefinition;
