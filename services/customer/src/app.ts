// customer: the edge service people curl; it calls preference.
import { type BuildOptions, buildService, forwardRoutes, type ServiceConfig, type ServiceDefinition } from '@mesh-demo/kit';

export const definition: ServiceDefinition = { name: 'customer', edge: true, downstream: 'preference' };

export const buildApp = (config: ServiceConfig, options?: BuildOptions) => buildService(config, forwardRoutes, options);
