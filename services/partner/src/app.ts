// partner: a second edge into the same chain, with its own name in responses, metrics and traces; it calls preference.
import { type BuildOptions, buildService, forwardRoutes, type ServiceConfig } from '@mesh-demo/kit';

export { definition } from './definition.ts';

export const buildApp = (config: ServiceConfig, options?: BuildOptions) => buildService(config, forwardRoutes, options);
