// Public surface of the shared service kit: what the services, devtools and e2e import, and the types their declarations name.
// To read how GET / works: service.ts, then chain-route.ts, downstream.ts, headers.ts and chain.ts (README.md).
export { type Chain, ChainSchema, renderText } from './chain.ts';
export { chainRoute, forwardRoutes, hopEntry, type ServiceRoutes } from './chain-route.ts';
export type { ServiceConfig, ServiceDefinition } from './config.ts';
export { run } from './run.ts';
export { type BuildOptions, buildService, type Service } from './service.ts';
export { DEFAULT_VERSION, VERSION_PATTERN } from './version.ts';
