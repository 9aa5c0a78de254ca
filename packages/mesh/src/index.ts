// Entry for the e2e suite and the bench: drive a local mesh the way the CLI does, and read its state.
export { type BareApiServer, startBareApiServer } from './cluster/bare-api-server.ts';
export { MESH } from './commands/index.ts';
export { currentLog } from './commands/logs.ts';
export { command, getStatus, type MeshStatus, NotRunning, type PodStatus, RUN_DIR } from './control.ts';
export { KubeClient, KubeError } from './kube/client.ts';
export type { KubeObject } from './kube.ts';
export { HOST_LINK, meshNamespaces, NETNS_PREFIX, NODE_NETNS } from './local-names.ts';
export { criText } from './node/cri-log.ts';
export { containerMain, type PodProcess, podProcesses } from './pod-processes.ts';
export { parseObjects, renderChart, resolveStepFile } from './render.ts';
export { toolPaths } from './tools.ts';
