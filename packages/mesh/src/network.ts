// Pods as network namespaces on one bridge, as a node's CNI plugin wires them; everything here is undone by teardown().
import { execFile } from 'node:child_process';
import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLUSTER_DNS_IP, HOST_IP, POD_PREFIX_LENGTH, POD_SUBNET } from './addresses.ts';
import { MeshError } from './errors.ts';

const run = promisify(execFile);

/** Every namespace and link the local mesh makes starts with this, so leftovers of a crashed run can be found. */
export const NETNS_PREFIX = 'meshdemo-';
/** The bridge lives in its own namespace: in the host's, Docker's FORWARD DROP rules (br_netfilter) eat bridged traffic. */
export const BRIDGE_NETNS = `${NETNS_PREFIX}net`;
const BRIDGE = 'br0';
/** The host's leg on the bridge. */
export const HOST_LINK = 'meshdemo0';
const NETNS_ETC = '/etc/netns';

async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args);
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')}: ${stderr || (error as Error).message}`);
  }
}

/** Refuses to start when another interface already routes the pod subnet (a second cluster, a VPN). */
export async function checkSubnetFree(): Promise<void> {
  const routes = await ip('-4', 'route', 'show', 'to', 'match', '10.244.0.0');
  const clash = routes.split('\n').find((line) => line.includes('10.244.') && !line.includes(HOST_LINK));
  if (clash)
    throw new MeshError(
      `the pod subnet ${POD_SUBNET} is already routed on this host (${clash.trim()}); remove that route or stop what made it`,
    );
}

/** The bridge namespace, the bridge, and the host's leg with HOST_IP. */
export async function setupBridge(): Promise<void> {
  await ip('netns', 'add', BRIDGE_NETNS);
  await ip('-n', BRIDGE_NETNS, 'link', 'set', 'lo', 'up');
  await ip('-n', BRIDGE_NETNS, 'link', 'add', BRIDGE, 'type', 'bridge');
  await ip('-n', BRIDGE_NETNS, 'link', 'set', BRIDGE, 'up');
  await ip('link', 'add', HOST_LINK, 'type', 'veth', 'peer', 'name', 'host', 'netns', BRIDGE_NETNS);
  await ip('-n', BRIDGE_NETNS, 'link', 'set', 'host', 'master', BRIDGE, 'up');
  await ip('addr', 'add', `${HOST_IP}/${POD_PREFIX_LENGTH}`, 'dev', HOST_LINK);
  await ip('link', 'set', HOST_LINK, 'up');
}

let vethCounter = 0;

/**
 * A pod's network namespace: eth0 with its IP on the bridge, a default route to the host's leg (only for the routing
 * decision: the sidecar's iptables rules redirect Service VIPs before anything leaves), and the resolv.conf that
 * `ip netns exec` mounts over /etc/resolv.conf for every process of the pod.
 */
export async function createPodNetwork(netns: string, podIP: string, namespace: string): Promise<void> {
  const bridgeSide = `mdv${++vethCounter}`;
  await ip('netns', 'add', netns);
  await ip('link', 'add', bridgeSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
  await ip('link', 'set', bridgeSide, 'netns', BRIDGE_NETNS);
  await ip('-n', BRIDGE_NETNS, 'link', 'set', bridgeSide, 'master', BRIDGE, 'up');
  await ip('-n', netns, 'addr', 'add', `${podIP}/${POD_PREFIX_LENGTH}`, 'dev', 'eth0');
  await ip('-n', netns, 'link', 'set', 'eth0', 'up');
  await ip('-n', netns, 'link', 'set', 'lo', 'up');
  await ip('-n', netns, 'route', 'add', 'default', 'via', HOST_IP);
  await mkdir(join(NETNS_ETC, netns), { recursive: true });
  await writeFile(
    join(NETNS_ETC, netns, 'resolv.conf'),
    `nameserver ${CLUSTER_DNS_IP}\nsearch ${namespace}.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n`,
  );
}

/** Runs a command inside a namespace as root (iptables, sysctl). */
export async function inNetns(netns: string, command: string, args: readonly string[]): Promise<void> {
  try {
    await run('ip', ['netns', 'exec', netns, command, ...args]);
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string };
    const detail = (e.stderr || e.stdout || (error as Error).message).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${command} in ${netns}: ${detail}`);
  }
}

/** The PIDs of every process in a namespace. */
export async function netnsPids(netns: string): Promise<number[]> {
  try {
    return (await ip('netns', 'pids', netns)).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Signals every process in a namespace, so nothing a pod started (Envoy under pilot-agent) can outlive it. */
export async function signalNetns(netns: string, signal: NodeJS.Signals): Promise<number> {
  const pids = await netnsPids(netns);
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  return pids.length;
}

/** Kills what is left in a namespace and deletes it, with its /etc/netns files. */
export async function deleteNetns(netns: string): Promise<void> {
  await signalNetns(netns, 'SIGKILL');
  for (let i = 0; i < 50 && (await netnsPids(netns)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  await ip('netns', 'del', netns).catch(() => {});
  await rm(join(NETNS_ETC, netns), { recursive: true, force: true });
}

/** The local mesh's namespaces present now (after a crash too). */
export async function meshNamespaces(): Promise<string[]> {
  const list = await ip('netns', 'list').catch(() => '');
  return list
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(NETNS_PREFIX));
}

/** Removes every namespace, link and /etc/netns entry the local mesh made; safe to run when there are none. */
export async function teardown(): Promise<void> {
  const all = await meshNamespaces();
  // Pods first, the bridge last: deleting the bridge namespace also removes the host's leg.
  for (const netns of all.filter((n) => n !== BRIDGE_NETNS)) await deleteNetns(netns);
  if (all.includes(BRIDGE_NETNS)) await deleteNetns(BRIDGE_NETNS);
  await ip('link', 'del', HOST_LINK).catch(() => {});
  // /etc/netns itself goes too when nothing else uses it (rmdir leaves a non-empty one alone).
  await rmdir(NETNS_ETC).catch(() => {});
}
