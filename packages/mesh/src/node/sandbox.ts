// A pod's network, as the container runtime and its CNI plugins make it: a namespace on the node's bridge, then Istio CNI.
import { execFile, spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { ClusterConfig } from '../cluster/config.ts';
import type { Pod } from './pod-types.ts';

const run = promisify(execFile);

async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args)).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')}: ${stderr || (error as Error).message}`);
  }
}

async function sysctl(netns: string, name: string, value: string): Promise<void> {
  await run('ip', ['netns', 'exec', netns, 'sysctl', '-qw', `${name}=${value}`]);
}

/** A pod's sandbox on the host: its network namespace and the veth that joins it to the node's bridge. */
export interface Sandbox {
  readonly netns: string;
  /** The namespace's file: what nsenter, CNI plugins and the launcher name it by. */
  readonly netnsPath: string;
  readonly ip: string;
  /** The bridge's end of the pod's veth, in the node's namespace. */
  readonly link: string;
}

/** Names the pod's sandbox by its uid (a pod's name can come back, as a helm test pod's does; its uid never does). */
export function sandboxNames(config: ClusterConfig, pod: Pick<Pod, 'metadata'>): { netns: string; link: string } {
  const short = pod.metadata.uid.replace(/-/g, '').slice(0, 10);
  // Link names are at most 15 characters.
  return { netns: `${config.prefix}${pod.metadata.namespace}-${pod.metadata.name}`.slice(0, 200), link: `mdv${short}` };
}

/** The sysctls a pod may set (Pod Security's safe set, which is also what containerd lets through). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/**
 * The pod's network namespace: eth0 with its address on the node's bridge (hairpin on, so a pod reaches itself through
 * its own Service), the node as its default gateway, loopback up. Like containerd, unprivileged processes may bind any
 * port (`ip_unprivileged_port_start=0`); then the pod's own safe sysctls.
 */
export async function createSandbox(config: ClusterConfig, pod: Pod, podIP: string): Promise<Sandbox> {
  const { netns, link } = sandboxNames(config, pod);
  await ip('netns', 'add', netns);
  try {
    await ip('link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
    await ip('link', 'set', link, 'netns', config.nodeNetns);
    await ip('-n', config.nodeNetns, 'link', 'set', link, 'master', config.bridge, 'up');
    await ip('-n', config.nodeNetns, 'link', 'set', link, 'type', 'bridge_slave', 'hairpin', 'on');
    await ip('-n', netns, 'addr', 'add', `${podIP}/${config.podPrefixLength}`, 'dev', 'eth0');
    await ip('-n', netns, 'link', 'set', 'eth0', 'up');
    await ip('-n', netns, 'link', 'set', 'lo', 'up');
    await ip('-n', netns, 'route', 'add', 'default', 'via', config.nodeIP);
    await sysctl(netns, 'net.ipv4.ip_unprivileged_port_start', '0');
    for (const { name, value } of pod.spec.securityContext?.sysctls ?? []) {
      if (!SAFE_SYSCTLS.has(name)) throw new Error(`sysctl ${name} is not one a pod may set`);
      await sysctl(netns, name, value);
    }
  } catch (error) {
    await ip('netns', 'del', netns).catch(() => {});
    throw error;
  }
  return { netns, netnsPath: `/run/netns/${netns}`, ip: podIP, link };
}

/** What Istio CNI's plugin needs from the node: its own directory with the kubeconfig it reads, and the plugin. */
export interface IstioCni {
  readonly plugin: string;
  /** Its run directory: the plugin reads `istio-cni-kubeconfig` there and keeps its log beside it. */
  readonly runDir: string;
  readonly kubeconfig: string;
}

/** Writes the plugin's kubeconfig where it looks for it (as the istio-cni DaemonSet does on a node). */
export async function prepareIstioCni(cni: IstioCni, kubeconfigText: string): Promise<void> {
  await mkdir(cni.runDir, { recursive: true });
  await writeFile(join(cni.runDir, 'istio-cni-kubeconfig'), kubeconfigText, { mode: 0o600 });
}

/**
 * Calls Istio's own CNI plugin for the pod, as a container runtime chains it after the network plugin: it reads the pod
 * from the API and, for a pod istiod injected with a sidecar, programs the traffic redirect in the pod's namespace
 * (what `istio-validation` then checks). Pods without a sidecar, and kube-system, it leaves alone.
 */
export async function istioCniAdd(config: ClusterConfig, cni: IstioCni, pod: Pod, sandbox: Sandbox): Promise<void> {
  const request = {
    cniVersion: '1.0.0',
    name: 'mesh-demo',
    type: 'istio-cni',
    plugin_log_level: 'info',
    cni_agent_run_dir: cni.runDir,
    ambient_enabled: false,
    exclude_namespaces: ['kube-system'],
    prevResult: {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', sandbox: sandbox.netnsPath }],
      ips: [{ address: `${sandbox.ip}/${config.podPrefixLength}`, interface: 0, gateway: config.nodeIP }],
    },
  };
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: 'ADD',
    CNI_CONTAINERID: pod.metadata.uid,
    CNI_NETNS: sandbox.netnsPath,
    CNI_IFNAME: 'eth0',
    CNI_PATH: dirname(cni.plugin),
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${pod.metadata.namespace};K8S_POD_NAME=${pod.metadata.name};K8S_POD_INFRA_CONTAINER_ID=${pod.metadata.uid};K8S_POD_UID=${pod.metadata.uid}`,
  };
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(cni.plugin, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('error', (error) => resolve({ code: -1, stdout: '', stderr: error.message }));
    child.on('close', (status) => resolve({ code: status ?? -1, stdout: out, stderr: err }));
    child.stdin.end(JSON.stringify(request));
  });
  if (code !== 0) {
    // The CNI spec: a failing plugin prints an error object on stdout.
    let message = stderr.trim().split('\n').at(-1) ?? '';
    try {
      const error = JSON.parse(stdout) as { msg?: string; details?: string };
      message = [error.msg, error.details].filter(Boolean).join(': ') || message;
    } catch {
      // not JSON: stderr's last line says it
    }
    throw new Error(`istio-cni: ${message || `exit ${code}`}`);
  }
}

/** Removes the pod's namespace (its veth goes with it); whatever still runs in it was killed before. */
export async function deleteSandbox(sandbox: Pick<Sandbox, 'netns'>): Promise<void> {
  await ip('netns', 'del', sandbox.netns).catch(() => {});
  await rm(join('/etc/netns', sandbox.netns), { recursive: true, force: true });
}
