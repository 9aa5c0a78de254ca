// recommendation: the leaf; it answers with its version, pod and hit count, and can be told to misbehave.
import { type BuildOptions, buildService, type ServiceConfig, type ServiceDefinition } from '@mesh-demo/kit';
import { leafRoutes } from './routes.ts';

export const definition: ServiceDefinition = { name: 'recommendation', edge: false };

export const buildApp = (config: ServiceConfig, options?: BuildOptions) => buildService(config, leafRoutes, options);
