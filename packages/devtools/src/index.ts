// Entry for other workspace packages (e2e, bench): launching and wiring local service processes.

export { type CommandLine, commandLine, commandName } from './cli.ts';
export { DEMO_ISSUER, DEMO_KEY_ID, demoToken, type TokenOptions } from './demo-token.ts';
export { findJaeger, type Jaeger, startJaeger } from './jaeger.ts';
export {
  BUNDLE_DIR,
  type LaunchOptions,
  launch,
  type ServiceProcess,
  serviceDir,
  serviceEntry,
  TELEMETRY_NODE_ARGS,
  waitReady,
} from './launch.ts';
export { type LocalServices, type LocalServicesOptions, startLocalServices } from './local-services.ts';
export { formatLogLine } from './log-format.ts';
export { freePort, freePorts, portIsFree } from './ports.ts';
export {
  defaultInstances,
  downstreamOf,
  type Instance,
  isServiceName,
  LOCAL_PORTS,
  localEnv,
  REPO_ROOT,
  SERVICES,
  type ServiceName,
} from './topology.ts';
