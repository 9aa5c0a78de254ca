// preference: the middle hop; it calls recommendation and prefixes itself to the answer.
import { type BuildOptions, buildService, forwardRoutes, type ServiceConfig } from '@mesh-demo/kit';

export { definition } from './definition.ts';

export const buildApp = (config: ServiceConfig, options?: BuildOptions) => buildService(config, forwardRoutes, options);
