// The mesh container's checks before anything starts: privileged, and a kernel with what a Kubernetes node needs.
import { execFile } from 'node:child_process';
import { access, constants, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/** Capability bits (linux/capability.h) the mesh uses: namespaces and mounts, links and iptables, ptrace for nsenter. */
const NEEDED_CAPS = { CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21, CAP_SYS_PTRACE: 19 } as const;

/** What the checks read and try, behind one interface so their verdicts can be tested without a kernel to break. */
export interface Probe {
  /** The `CapEff:` line's hex value from /proc/self/status. */
  effectiveCaps(): Promise<string>;
  /** Whether /proc/sys can be written (Docker and Podman mount it read-only unless the container is privileged). */
  procSysWritable(): Promise<boolean>;
  /** /proc/filesystems. */
  filesystems(): Promise<string>;
  /** Runs a command; resolves with its failure's message, or undefined when it succeeded. */
  run(command: string, args: readonly string[]): Promise<string | undefined>;
}

/** One kernel feature: how to try it, and the module that gives it. */
interface Feature {
  readonly module: string;
  readonly why: string;
  present(probe: Probe): Promise<boolean>;
}

const PROBE_PREFIX = 'mdprobe';

const FEATURES: readonly Feature[] = [
  {
    module: 'overlay',
    why: "each pod's root filesystem",
    present: async (probe) => /\toverlay$/m.test(await probe.filesystems()),
  },
  {
    module: 'veth',
    why: "the pods' network links",
    present: async (probe) => {
      const failed = await probe.run('ip', ['link', 'add', `${PROBE_PREFIX}0`, 'type', 'veth', 'peer', 'name', `${PROBE_PREFIX}1`]);
      await probe.run('ip', ['link', 'del', `${PROBE_PREFIX}0`]);
      return failed === undefined;
    },
  },
  {
    module: 'bridge',
    why: "the node's bridge",
    present: async (probe) => {
      const failed = await probe.run('ip', ['link', 'add', `${PROBE_PREFIX}2`, 'type', 'bridge']);
      await probe.run('ip', ['link', 'del', `${PROBE_PREFIX}2`]);
      return failed === undefined;
    },
  },
  {
    module: 'br_netfilter',
    why: "kube-proxy's rules on the pods' bridged traffic",
    // The bridge module alone does not make this sysctl; br_netfilter does, in every network namespace.
    present: async (probe) => (await probe.run('sysctl', ['-n', 'net.bridge.bridge-nf-call-iptables'])) === undefined,
  },
  {
    module: 'iptable_nat',
    why: "kube-proxy's Services and the sidecars' traffic capture",
    present: async (probe) => (await probe.run('iptables', ['-t', 'nat', '-S'])) === undefined,
  },
];

/** The capabilities missing from a CapEff hex mask, by name. */
export function missingCaps(capEff: string): string[] {
  const mask = BigInt(`0x${capEff.trim() || '0'}`);
  return Object.entries(NEEDED_CAPS)
    .filter(([, bit]) => (mask & (1n << BigInt(bit))) === 0n)
    .map(([name]) => name);
}

/** The one-line refusal of a container that was not started privileged, or undefined when it was. */
export async function checkPrivileged(probe: Probe): Promise<string | undefined> {
  const missing = missingCaps(await probe.effectiveCaps());
  if (!(await probe.procSysWritable())) missing.push('/proc/sys is read-only');
  if (!missing.length) return undefined;
  return (
    'the mesh container must run privileged (docker run --privileged, or privileged: true in compose; podman run ' +
    '--privileged): it makes network namespaces, bridges, iptables rules and overlay mounts as a Kubernetes node does, ' +
    `and this one lacks ${missing.join(', ')}`
  );
}

/**
 * The one-line refusal naming every kernel feature missing, after asking modprobe for each (which works where the
 * host's modules are visible), or undefined when all are there.
 */
export async function checkKernel(probe: Probe): Promise<string | undefined> {
  const missing: Feature[] = [];
  for (const feature of FEATURES) {
    if (await feature.present(probe)) continue;
    await probe.run('modprobe', [feature.module]);
    if (!(await feature.present(probe))) missing.push(feature);
  }
  if (!missing.length) return undefined;
  const list = missing.map((feature) => `${feature.module} (${feature.why})`).join(', ');
  const them = missing.length === 1 ? 'it' : 'them';
  const modules = missing.map((feature) => feature.module).join(' ');
  return (
    `the kernel under this container lacks ${list}; load ${them} on the host (sudo modprobe ${modules}), or, ` +
    `under Docker Desktop or a Podman machine, use a VM whose kernel has ${them}`
  );
}

/** The real probe: this container's /proc and commands. */
export const hostProbe: Probe = {
  async effectiveCaps() {
    const status = await readFile('/proc/self/status', 'utf8');
    return /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  },
  procSysWritable: () =>
    access('/proc/sys/net/ipv4/ip_forward', constants.W_OK).then(
      () => true,
      () => false,
    ),
  filesystems: () => readFile('/proc/filesystems', 'utf8'),
  run: (command, args) =>
    promisify(execFile)(command, [...args], { timeout: 10_000 }).then(
      () => undefined,
      (error: Error & { stderr?: string }) => (error.stderr?.trim() || error.message).split('\n')[0],
    ),
};
