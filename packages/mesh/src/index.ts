// Entry for the e2e suite and the bench: drive a local mesh the way the CLI does, and read its state.
export { CONTROL_SOCKET, command, type EdgeStatus, getStatus, type MeshStatus, NotRunning, type PodStatus, RUN_DIR } from './control.ts';
export { type ProxySync, type Rejection, rejections, unsynced } from './istiod.ts';
export { APP_GID, APP_UID } from './kubelet.ts';
export { HOST_LINK, meshNamespaces, NETNS_PREFIX } from './network.ts';
export { NAMESPACE, parseObjects, RELEASE, renderChart, resolveStepFile } from './render.ts';
export { type Tools, toolPaths } from './tools.ts';
