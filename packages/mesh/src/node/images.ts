// The images the node agent can run, each as its Dockerfile builds it: entrypoint, cmd, workdir, user, env, and its files.
import { isServiceName, type ServiceName, serviceDir } from '@mesh-demo/workspace';

/** The host's builds of what an image would carry (paths on this machine). */
export interface ImageBinaries {
  readonly node: string;
  readonly envoy: string;
  readonly pilotAgent: string;
  readonly pilotDiscovery: string;
  readonly bootstrapTemplate: string;
  readonly coredns: string;
}

/** What a container of the image starts from, before the pod spec's command, args, workingDir and env. */
export interface ImageConfig {
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly workingDir: string;
  /** The image's USER: what runs when the pod sets no runAsUser. */
  readonly user: number;
  readonly group: number;
  readonly env: Readonly<Record<string, string>>;
  /** Image path to host path: bound into the container's root at the image's paths (files or directories). */
  readonly files: Readonly<Record<string, string>>;
  /** The digest a status shows: the image's name and tag, with the build it stands for. */
  readonly imageID: string;
}

/** An image the local mesh does not have: what the kubelet would report as a failed pull, with why. */
export class UnknownImage extends Error {
  override readonly name = 'UnknownImage';
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `quay.io/a/b/customer:0.1.0@sha256:..` -> { repository: 'customer', path: 'quay.io/a/b/customer' }. */
function nameOf(image: string): { readonly last: string; readonly path: string } {
  const withoutDigest = image.split('@')[0]!;
  const colon = withoutDigest.lastIndexOf(':');
  const path = colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
  return { last: path.slice(path.lastIndexOf('/') + 1), path };
}

/** The repo's own service images (the Dockerfile): node running the service's bundle in /app as UID 1000. */
function serviceImage(service: ServiceName, binaries: ImageBinaries, image: string): ImageConfig {
  return {
    entrypoint: [],
    cmd: ['node', '--import', './dist/bundle/register.js', 'dist/bundle/main.js'],
    workingDir: '/app',
    user: 1000,
    group: 0,
    env: { PATH, NODE_ENV: 'production' },
    files: { '/app': serviceDir(service), '/usr/local/bin/node': binaries.node },
    imageID: `local://${image}`,
  };
}

/**
 * Istio's proxyv2 (pilot/docker/Dockerfile.proxyv2) and pilot (Dockerfile.pilot), from the same pinned Istio source:
 * pilot-agent with Envoy and the bootstrap template, and pilot-discovery.
 */
function istioImage(kind: 'proxyv2' | 'pilot', binaries: ImageBinaries, image: string): ImageConfig {
  const bootstrap = { '/var/lib/istio/envoy/envoy_bootstrap_tmpl.json': binaries.bootstrapTemplate };
  if (kind === 'proxyv2') {
    return {
      entrypoint: ['/usr/local/bin/pilot-agent'],
      cmd: [],
      workingDir: '/',
      user: 0,
      group: 0,
      env: { PATH },
      files: { '/usr/local/bin/pilot-agent': binaries.pilotAgent, '/usr/local/bin/envoy': binaries.envoy, ...bootstrap },
      imageID: `local://${image}`,
    };
  }
  return {
    entrypoint: ['/usr/local/bin/pilot-discovery'],
    cmd: [],
    workingDir: '/',
    user: 1337,
    group: 1337,
    env: { PATH },
    files: { '/usr/local/bin/pilot-discovery': binaries.pilotDiscovery, ...bootstrap },
    imageID: `local://${image}`,
  };
}

/** CoreDNS's image (distroless, `USER nonroot`): the binary at /coredns. */
function corednsImage(binaries: ImageBinaries, image: string): ImageConfig {
  return {
    entrypoint: ['/coredns'],
    cmd: [],
    workingDir: '/',
    user: 65532,
    group: 65532,
    env: { PATH },
    files: { '/coredns': binaries.coredns },
    imageID: `local://${image}`,
  };
}

/**
 * A plain Linux base with a shell (UBI, as the chart's helm test uses for curl and grep): this machine's own
 * filesystem is that base, so nothing is added. Root, as the UBI images are.
 */
function baseImage(image: string): ImageConfig {
  return { entrypoint: [], cmd: ['/bin/sh'], workingDir: '/', user: 0, group: 0, env: { PATH }, files: {}, imageID: `local://${image}` };
}

/** Base images with a shell that the host stands in for. */
const BASES = new Set(['ubi-minimal', 'ubi', 'ubi-micro', 'busybox', 'alpine', 'debian', 'curl']);

/** The image's config, or UnknownImage naming what the local mesh can run instead. */
export function imageConfig(image: string, binaries: ImageBinaries): ImageConfig {
  const { last, path } = nameOf(image);
  if (isServiceName(last)) return serviceImage(last, binaries, image);
  if (last === 'proxyv2' || last === 'pilot') return istioImage(last, binaries, image);
  if (last === 'coredns' && path.includes('coredns')) return corednsImage(binaries, image);
  if (BASES.has(last)) return baseImage(image);
  throw new UnknownImage(
    `image "${image}" is not available on this node: the local mesh runs mesh-demo's four services, Istio's proxyv2 and pilot, CoreDNS, and a shell base (ubi-minimal) from this machine`,
  );
}
