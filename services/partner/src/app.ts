// partner: a second edge into the same chain, with its own name in responses, metrics and traces; it calls preference.
import { type BuildOptions, buildService, forwardRoutes, type ServiceConfig, type ServiceDefinition } from '@mesh-demo/kit';

export const definition: ServiceDefinition = { name: 'partner', edge: true, downstream: 'preference' };

export const buildApp = (config: ServiceConfig, options?: BuildOptions) => buildService(config, forwardRoutes, options);
