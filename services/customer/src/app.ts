// customer: the edge service people curl; it calls preference.
import { type BuildOptions, buildService, forwardRoutes, type ServiceConfig } from '@mesh-demo/kit';

export { definition } from './definition.ts';

export const buildApp = (config: ServiceConfig, options?: BuildOptions) => buildService(config, forwardRoutes, options);
