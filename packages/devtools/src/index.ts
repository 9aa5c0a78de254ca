// Entry for other workspace packages (e2e, bench): launching and wiring local service processes.
export { commandLine, commandName, type CommandLine } from './cli.ts';
export { startChain, type ChainOptions, type LocalChain } from './chain.ts';
export { launch, serviceDir, serviceEntry, TELEMETRY_NODE_ARGS, waitReady, type LaunchOptions, type ServiceProcess } from './launch.ts';
export { formatLogLine } from './log-format.ts';
export { freePort, freePorts, portIsFree } from './ports.ts';
export { defaultInstances, downstreamOf, isServiceName, localEnv, LOCAL_PORTS, REPO_ROOT, SERVICES, type Instance, type ServiceName } from './topology.ts';
export { findJaeger, startJaeger, type Jaeger } from './jaeger.ts';
export { DEMO_ISSUER, DEMO_KEY_ID, demoToken, type TokenOptions } from './demo-token.ts';
