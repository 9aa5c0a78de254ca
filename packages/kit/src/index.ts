// Public surface of the shared service kit: what the services, devtools and e2e import, and the types their declarations name.
export { type Chain, ChainSchema, renderText } from './chain.ts';
export { chainRoute, forwardRoutes, hopEntry } from './chain-route.ts';
export { type ServiceConfig, type ServiceDefinition, VERSION_PATTERN } from './config.ts';
export { run } from './run.ts';
export { type BuildOptions, buildService, type Service, type ServiceRoutes } from './service.ts';
