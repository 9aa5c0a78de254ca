// Entry for the e2e suite and the bench: drive a local mesh the way the CLI does, and read its state.
export { CONTROL_SOCKET, RUN_DIR, NotRunning, command, getStatus, type EdgeStatus, type MeshStatus, type PodStatus } from './control.ts';
export { rejections, unsynced, type ProxySync, type Rejection } from './istiod.ts';
export { NETNS_PREFIX, HOST_LINK, meshNamespaces } from './network.ts';
export { NAMESPACE, RELEASE, parseObjects, renderChart, resolveStepFile } from './render.ts';
export { toolPaths, type Tools } from './tools.ts';
export { APP_GID, APP_UID } from './kubelet.ts';
