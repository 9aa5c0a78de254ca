// Public surface of the shared service kit.
export { type Chain, ChainSchema, type Failure, type FailureKind, FailureSchema, type Hop, HopSchema, renderText } from './chain.ts';
export { type Answer, chainRoute } from './chain-route.ts';
export { ConfigError, type DownstreamConfig, envSchemaFor, loadConfig, type ServiceConfig, type ServiceDefinition } from './config.ts';
export { createDownstreamClient, type DownstreamClient, type DownstreamOutcome } from './downstream.ts';
export type { FaultControl } from './fault-routes.ts';
export { decide, type FaultDecision, type Faults, FaultsSchema, NO_FAULTS } from './faults.ts';
export { forwardRoutes } from './forward-route.ts';
export {
  DEFAULT_PROPAGATED_HEADERS,
  propagatedHeaders,
  REQUEST_ID_HEADER,
  requestIdFrom,
  safeHeaderValue,
  TRACE_HEADERS,
} from './headers.ts';
export type { ServiceState } from './health.ts';
export type { Metrics } from './metrics.ts';
export { chainRouteSchema, faultChain, hopEntry, isShadow, sendChain, wantsJson } from './respond.ts';
export { onShutdown, run } from './run.ts';
export { type BuildOptions, buildService, type Service, type ServiceContext, type ServiceRoutes } from './service.ts';
export { type TelemetryHandshake, telemetryHandshake, tracerOwnedHeaders } from './telemetry-handshake.ts';
