// The pure side of `./pnpmw images push`: its options, checked registry and tag, image references, and push digests.
import { SERVICES } from '@mesh-demo/workspace';

export const ENGINES = ['docker', 'podman'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface PushOptions {
  readonly registry: string;
  readonly tag: string;
  /** Undefined: whichever engine answers, docker first. */
  readonly engine: EngineName | undefined;
}

/** A wrong invocation (unknown option, missing --registry): the message, then the usage. Exit 2. */
export class UsageError extends Error {}

/** A wrong value for a known option: one line saying what is wrong and what would be right. Exit 2. */
export class BadValue extends Error {}

// Docker's reference grammar (distribution/reference): a host is dot-separated labels with an optional port, and a
// repository path is lowercase components joined by single separators.
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const HOST = new RegExp(`^(${HOST_LABEL}(?:\\.${HOST_LABEL})*)(?::([0-9]+))?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
// Docker's limit on a whole repository name; the longest we make is REGISTRY/<the longest service name>.
const MAX_NAME = 255;
const LONGEST_SERVICE = SERVICES.reduce((longest, name) => (name.length > longest.length ? name : longest), '');

/**
 * `host[:port][/path]`, returned without trailing slashes. The host must look like one (a dot, a port, or localhost):
 * docker would read `mesh-demo/customer` as Docker Hub's user mesh-demo, which is never what a bare word meant.
 */
export function checkRegistry(value: string): string {
  const bad = (why: string) => new BadValue(`--registry ${JSON.stringify(value)}: ${why}`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) throw bad(`no scheme, please: give ${value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}`);
  const registry = value.replace(/\/+$/, '');
  if (registry === '') throw bad('want host[:port][/path], e.g. quay.io/mesh-demo');
  if (registry.includes('@')) throw bad('takes no digest; name the registry and path only');
  const [host = '', ...path] = registry.split('/');
  const last = path.at(-1) ?? '';
  if (last.includes(':') || (path.length === 0 && /:[^0-9]/.test(host))) {
    throw bad(`takes no tag; give the tag as --tag ${registry.slice(registry.lastIndexOf(':') + 1)}`);
  }
  const match = HOST.exec(host);
  if (!match) throw bad(`"${host}" is not a registry host (host[:port], e.g. quay.io or 127.0.0.1:5000)`);
  const [, name = '', port] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw bad(`port ${port} is not 1-65535`);
  if (!name.includes('.') && port === undefined && name !== 'localhost') {
    throw bad(`start with a registry host (a name with a dot or a port, or localhost), e.g. docker.io/${registry}`);
  }
  for (const component of path) {
    if (component === '') throw bad('has an empty path component (//)');
    if (!PATH_COMPONENT.test(component)) {
      throw bad(
        component.toLowerCase() !== component && PATH_COMPONENT.test(component.toLowerCase())
          ? `repository paths are lowercase ("${component}")`
          : `"${component}" is not a repository path component (lowercase letters and digits, joined by . _ __ or -)`,
      );
    }
  }
  if (`${registry}/${LONGEST_SERVICE}`.length > MAX_NAME) throw bad(`too long: image names stop at ${MAX_NAME} characters`);
  return registry;
}

/** A tag as docker takes it: up to 128 word characters, dots and dashes, not starting with a dot or dash. */
export function checkTag(value: string): string {
  if (!TAG.test(value))
    throw new BadValue(`--tag ${JSON.stringify(value)}: want up to 128 letters, digits, _ . or -, not starting with . or -`);
  return value;
}

function checkEngine(value: string): EngineName {
  if (!(ENGINES as readonly string[]).includes(value)) throw new BadValue(`--engine ${JSON.stringify(value)}: want docker or podman`);
  return value as EngineName;
}

/** The chart's appVersion: what a release is tagged with unless --tag says otherwise. */
export function appVersionOf(chartYaml: string): string | undefined {
  return /^appVersion:[ \t]*["']?([^"'\s#]+)["']?[ \t]*(?:#.*)?$/m.exec(chartYaml)?.[1];
}

/** `push`'s options checked; `defaultTag` is read only when --tag is absent (it reads the chart). */
export function pushOptions(
  values: { registry?: string | undefined; tag?: string | undefined; engine?: string | undefined },
  defaultTag: () => string,
): PushOptions {
  if (values.registry === undefined) throw new UsageError('push wants --registry');
  return {
    registry: checkRegistry(values.registry),
    tag: checkTag(values.tag ?? defaultTag()),
    engine: values.engine === undefined ? undefined : checkEngine(values.engine),
  };
}

export const imageRef = (registry: string, service: string, tag: string) => `${registry}/${service}:${tag}`;

export const digestRef = (registry: string, service: string, digest: string) => `${registry}/${service}@${digest}`;

/**
 * The manifest digest the registry gave for `tag`, from `docker push` output: the line `<tag>: digest: sha256:<hex>
 * size: <bytes>` that docker prints once the registry has accepted the manifest.
 */
export function digestFromDockerPush(output: string, tag: string): string {
  for (const line of output.split(/\r?\n/)) {
    const match = /^(\S+): digest: (sha256:[a-f0-9]{64}) size: [0-9]+$/.exec(line.trim());
    if (match && match[1] === tag) return match[2]!;
  }
  throw new Error(`docker push printed no digest for tag ${tag}`);
}

/** The content of `podman push --digestfile`: one digest. */
export function digestFromFile(content: string): string {
  const digest = content.trim();
  if (!DIGEST.test(digest)) throw new Error(`podman's digest file holds no sha256 digest (got ${JSON.stringify(digest.slice(0, 80))})`);
  return digest;
}

/**
 * Registries on this machine (localhost, 127.0.0.0/8). Docker allows plain HTTP to them by default; podman
 * does not, so for them alone the push passes --tls-verify=false and both engines reach the same registries.
 */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.split('/')[0]!.replace(/:[0-9]+$/, '');
  return host === 'localhost' || /^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/.test(host);
}
