// The names the local mesh leaves on this machine while it runs (and must not after `down`), for the e2e leftovers check.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { defaultClusterConfig } from './cluster/config.ts';
import { RUN_DIR } from './control.ts';

const config = defaultClusterConfig(RUN_DIR);

/** Every network namespace and link of the mesh starts with this (pods', and the node's own). */
export const NETNS_PREFIX = config.prefix;
/** The node's own network namespace: the bridge, kube-proxy and its rules, the connection tracking of pod traffic. */
export const NODE_NETNS = config.nodeNetns;
/** The host's leg on the pods' bridge. */
export const HOST_LINK = config.hostLink;

/** The mesh's network namespaces present now (after a crash too). */
export async function meshNamespaces(): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'list']).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(NETNS_PREFIX));
}
