// Public surface of the shared service kit.
export { ChainSchema, FailureSchema, HopSchema, renderText, type Chain, type Failure, type FailureKind, type Hop } from './chain.ts';
export { ConfigError, envSchemaFor, loadConfig, type DownstreamConfig, type ServiceConfig, type ServiceDefinition } from './config.ts';
export { createDownstreamClient, type DownstreamClient, type DownstreamOutcome } from './downstream.ts';
export { forwardRoutes } from './forward-route.ts';
export { DEFAULT_PROPAGATED_HEADERS, REQUEST_ID_HEADER, TRACE_HEADERS, propagatedHeaders, requestIdFrom, safeHeaderValue } from './headers.ts';
export type { ServiceState } from './health.ts';
export type { Metrics } from './metrics.ts';
export { chainRouteSchema, faultChain, hopEntry, isShadow, sendChain, wantsJson } from './respond.ts';
export { onShutdown, run } from './run.ts';
export { telemetryHandshake, tracerOwnedHeaders, type TelemetryHandshake } from './telemetry-handshake.ts';
export { buildService, type BuildOptions, type Service, type ServiceContext, type ServiceRoutes } from './service.ts';
