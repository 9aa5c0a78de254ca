// preference: the middle hop; it calls recommendation and prefixes itself to the answer.
import { type BuildOptions, buildService, forwardRoutes, type ServiceConfig, type ServiceDefinition } from '@mesh-demo/kit';

export const definition: ServiceDefinition = { name: 'preference', edge: false, downstream: 'recommendation' };

export const buildApp = (config: ServiceConfig, options?: BuildOptions) => buildService(config, forwardRoutes, options);
