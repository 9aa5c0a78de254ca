// The `network` step: the node's network namespace with the pods' bridge, the host's leg on it, and the Service routes.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MeshError } from '../errors.ts';
import type { ClusterConfig } from './config.ts';
import { runCommand } from './run-command.ts';
import { type ClusterStep, defineStep } from './step.ts';

/** The bridge's end of the host's veth, inside the node's namespace. */
const HOST_PORT = 'host';

const ip = (args: readonly string[]) => runCommand('ip', args, { label: `ip ${args.join(' ')}` });

/** A dotted quad as the unsigned 32-bit number it stands for (big-endian). */
export function ipToNumber(ip: string): number {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) throw new Error(`not an IPv4 address: ${ip}`);
  const parts = ip.split('.').map(Number);
  if (parts.some((p) => p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** `10.244.0.0/16` as its first address and size, for overlap tests. */
export function parseCidr(cidr: string): { readonly first: number; readonly size: number } {
  const [address, bits] = cidr.split('/');
  const length = bits === undefined ? 32 : Number(bits);
  if (!address || !Number.isInteger(length) || length < 0 || length > 32) throw new MeshError(`not an IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - length);
  return { first: Math.floor(ipToNumber(address) / size) * size, size };
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x.first < y.first + y.size && y.first < x.first + x.size;
}

/**
 * The host's routes (lines of `ip -4 route show`) that already lead into the pod subnet or the Service range through
 * something else than our own link: a second cluster, Docker, a VPN. The default route is not one.
 */
export function clashingRoutes(routes: string, config: ClusterConfig): string[] {
  return routes
    .split('\n')
    .map((line) => line.trim())
    .filter(
      (line) =>
        line && !line.startsWith('default') && !line.includes(` dev ${config.hostLink} `) && !line.endsWith(` dev ${config.hostLink}`),
    )
    .filter((line) => {
      const destination = line.split(' ')[0]!;
      return /^\d/.test(destination) && [config.podSubnet, config.serviceCIDR].some((cidr) => cidrsOverlap(destination, cidr));
    });
}

/** The `ip` commands that build the node's network, in order (each an argv after `ip`). */
export function networkCommands(config: ClusterConfig): string[][] {
  const { nodeNetns: ns, bridge, hostLink, podPrefixLength: bits } = config;
  return [
    ['netns', 'add', ns],
    ['-n', ns, 'link', 'set', 'lo', 'up'],
    // The bridge is the node's own address (the pods' gateway, the Node's InternalIP) and lives in the node's namespace,
    // so the host's firewall (Docker's FORWARD DROP with br_netfilter) never sees the pods' bridged traffic.
    ['-n', ns, 'link', 'add', bridge, 'type', 'bridge'],
    ['-n', ns, 'addr', 'add', `${config.nodeIP}/${bits}`, 'dev', bridge],
    ['-n', ns, 'link', 'set', bridge, 'up'],
    // The host's leg: where the API server binds, so pods, the node and the host all reach it at one address.
    ['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', HOST_PORT, 'netns', ns],
    ['-n', ns, 'link', 'set', HOST_PORT, 'master', bridge, 'up'],
    ['addr', 'add', `${config.hostIP}/${bits}`, 'dev', hostLink],
    ['link', 'set', hostLink, 'up'],
    // The host reaches ClusterIPs through the node, where kube-proxy's rules are.
    ['route', 'add', config.serviceCIDR, 'via', config.nodeIP, 'dev', hostLink],
    // Processes in the node's namespace too: it has no default route, and without one the kernel refuses a ClusterIP
    // ("Network unreachable") before kube-proxy's OUTPUT rules could rewrite it.
    ['-n', ns, 'route', 'add', config.serviceCIDR, 'dev', bridge],
  ];
}

/**
 * The node namespace's sysctls (all per namespace): it forwards for the pods, and br_netfilter hands bridged frames to
 * its iptables, or a reply from a pod on the same bridge would skip conntrack and never be un-DNATed (NOTES §2).
 */
export const NODE_SYSCTLS = ['net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=1', 'net.ipv4.conf.all.route_localnet=1'];

async function namespaces(): Promise<string[]> {
  const { stdout } = await ip(['netns', 'list']).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

async function linkExists(name: string): Promise<boolean> {
  return ip(['link', 'show', 'dev', name]).then(
    () => true,
    () => false,
  );
}

/** Refuses to build over something: leftovers of a run that was not stopped, or another owner of our subnets. */
async function checkFree(config: ClusterConfig): Promise<void> {
  if ((await namespaces()).includes(config.nodeNetns) || (await linkExists(config.hostLink)))
    throw new MeshError(
      `network namespace ${config.nodeNetns} or link ${config.hostLink} is left from an earlier run; stop that cluster (mesh down) first`,
    );
  const { stdout } = await ip(['-4', 'route', 'show']);
  const clash = clashingRoutes(stdout, config);
  if (clash.length)
    throw new MeshError(
      `the cluster's subnets (${config.podSubnet}, ${config.serviceCIDR}) are already routed on this host (${clash.join('; ')}); remove that route or stop what made it`,
    );
}

export async function setupNetwork(config: ClusterConfig): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new MeshError('the local cluster needs root: it makes network namespaces, a veth on the host and routes');
  await checkFree(config);
  for (const args of networkCommands(config)) await ip(args);
  await runCommand('ip', ['netns', 'exec', config.nodeNetns, 'sysctl', '-q', '-w', ...NODE_SYSCTLS], {
    label: `sysctl in ${config.nodeNetns}`,
  });
}

/**
 * Puts a pod's veth end (already moved into the node's namespace) on the bridge, with hairpin on: a pod calling its own
 * Service's ClusterIP is DNATed back to itself through the same port.
 */
export async function joinBridge(config: ClusterConfig, port: string): Promise<void> {
  await ip(['-n', config.nodeNetns, 'link', 'set', port, 'master', config.bridge]);
  await ip(['-n', config.nodeNetns, 'link', 'set', port, 'type', 'bridge_slave', 'hairpin', 'on']);
  await ip(['-n', config.nodeNetns, 'link', 'set', port, 'up']);
}

async function deleteNamespace(name: string): Promise<void> {
  const pids = async () => (await ip(['netns', 'pids', name]).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean).map(Number);
  // Nothing a pod started may outlive its namespace (and a process left inside would keep the namespace alive).
  for (const pid of await pids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 50 && (await pids()).length; i++) await sleep(20);
  await ip(['netns', 'del', name]).catch(() => {});
}

/**
 * Removes every namespace of the cluster (the pods' first, the node's last: deleting it takes the host's leg and its
 * route with it), the host link if still there, and /etc/netns entries; safe to run when there is nothing.
 */
export async function teardownNetwork(config: ClusterConfig): Promise<string[]> {
  const ours = (await namespaces()).filter((name) => name.startsWith(config.prefix) || name === config.nodeNetns);
  const pods = ours.filter((name) => name !== config.nodeNetns);
  await Promise.all(pods.map(deleteNamespace));
  if (ours.includes(config.nodeNetns)) await deleteNamespace(config.nodeNetns);
  const removed = [...ours];
  if (await linkExists(config.hostLink)) {
    await ip(['link', 'del', config.hostLink]);
    removed.push(config.hostLink);
  }
  const etcNetns = await readdir('/etc/netns').catch(() => [] as string[]);
  await Promise.all(
    etcNetns.filter((name) => ours.includes(name)).map((name) => rm(join('/etc/netns', name), { recursive: true, force: true })),
  );
  return removed;
}

export function networkStep(): ClusterStep {
  let config: ClusterConfig | undefined;
  return defineStep('network', {
    async start(ctx) {
      config = ctx.config;
      await setupNetwork(ctx.config);
    },
    async stop() {
      if (config) await teardownNetwork(config);
    },
  });
}
