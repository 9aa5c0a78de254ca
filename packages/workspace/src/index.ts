// What every tool knows about this repo: topology and ports, launching a service, repo paths, and the CLIs' shared edge.
export { commandName } from './cli.ts';
export {
  type Command,
  CommandError,
  type CommandSet,
  defineCommand,
  type Invocation,
  runEntry,
} from './command.ts';
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
export { formatLogLine } from './log-format.ts';
export { type PacedLoad, paceOptions, startPacedLoad, stopOnCtrlC } from './paced-load.ts';
export {
  CHART_DIR,
  EXAMPLES_DIR,
  INSTALL_DIR,
  pinnedVersions,
  REPO_ROOT,
  TOOL_INSTALLER,
  TOOLS_BIN,
  TOOLS_DIR,
} from './paths.ts';
export { freePort, freePorts, portIsFree, portIsFreeOn } from './ports.ts';
export {
  DEFINITIONS,
  defaultInstances,
  downstreamOf,
  type Instance,
  isServiceName,
  LOCAL_PORTS,
  localEnv,
  SERVICES,
  type ServiceName,
} from './topology.ts';
