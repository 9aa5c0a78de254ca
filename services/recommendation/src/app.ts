// recommendation: the leaf; it answers with its version, pod and hit count, and can be told to misbehave.
import { type BuildOptions, buildService, type ServiceConfig } from '@mesh-demo/kit';
import { leafRoutes } from './routes.ts';

export { definition } from './definition.ts';

export const buildApp = (config: ServiceConfig, options?: BuildOptions) => buildService(config, leafRoutes, options);
