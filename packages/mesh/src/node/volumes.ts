// A pod's volumes on the host, as the kubelet makes them: emptyDir, configMap, secret, downwardAPI and projected tokens.
import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeClient } from '../kube/client.ts';
import { pathOf } from '../kube/resources.ts';
import type { KubeObject } from '../kube.ts';
import { type EnvFacts, fieldValue } from './env.ts';
import type { DownwardFile, KeyToPath, Pod, ProjectedSource, Volume } from './pod-types.ts';
import { parseQuantity, resourceValue } from './quantity.ts';

const run = promisify(execFile);

/** A ConfigMap's or Secret's keys as bytes (binaryData and Secrets decoded from base64). */
export type KeyData = Readonly<Record<string, Buffer>>;

export interface TokenRequest {
  /** Absent: the API server's own audiences. */
  readonly audience?: string;
  readonly expirationSeconds: number;
  /** The token is bound to the pod: it stops being valid when the pod is deleted. */
  readonly pod: { readonly name: string; readonly uid: string };
}

export interface Token {
  readonly token: string;
  readonly expiresAt: Date;
}

/** What the volumes read from the API server (with the node's credential, which the Node authorizer limits to its pods'). */
export interface VolumeApi {
  /** undefined when there is no such object. */
  configMap(namespace: string, name: string): Promise<KeyData | undefined>;
  secret(namespace: string, name: string): Promise<KeyData | undefined>;
  token(namespace: string, serviceAccount: string, request: TokenRequest): Promise<Token>;
}

/** What the downward API reads beyond the pod object. */
export type VolumeFacts = Pick<EnvFacts, 'podIP' | 'hostIP' | 'nodeName' | 'allocatable'>;

export interface VolumeOptions {
  /** How often ConfigMaps and Secrets are read again (the kubelet's sync is about a minute). */
  readonly syncMs?: number;
  readonly now?: () => number;
  /** A background refresh that failed; the files keep their last content. */
  readonly onError?: (error: Error) => void;
}

/** What the kubelet reports as FailedMount: a source it cannot read yet; the pod's containers wait for it. */
export class VolumeNotReady extends Error {
  override readonly name = 'VolumeNotReady';
  readonly volume: string;
  constructor(volume: string, cause: string) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${cause}`);
    this.volume = volume;
  }
}

interface ConfigMapObject extends KubeObject {
  readonly data?: Record<string, string>;
  readonly binaryData?: Record<string, string>;
}

interface TokenRequestAnswer {
  readonly status: { readonly token: string; readonly expirationTimestamp: string };
}

const decode = (map: Record<string, string> | undefined, encoding: BufferEncoding): Record<string, Buffer> =>
  Object.fromEntries(Object.entries(map ?? {}).map(([key, value]) => [key, Buffer.from(value, encoding)]));

/** The VolumeApi of a real API server: GETs of ConfigMaps and Secrets, and the TokenRequest subresource. */
export function kubeVolumeApi(client: KubeClient): VolumeApi {
  return {
    async configMap(namespace, name) {
      const object = await client.find<ConfigMapObject>(pathOf('ConfigMap', namespace, name));
      return object && { ...decode(object.binaryData, 'base64'), ...decode(object.data, 'utf8') };
    },
    async secret(namespace, name) {
      const object = await client.find<ConfigMapObject>(pathOf('Secret', namespace, name));
      return object && decode(object.data, 'base64');
    },
    async token(namespace, serviceAccount, request) {
      const body = {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          ...(request.audience !== undefined && { audiences: [request.audience] }),
          expirationSeconds: request.expirationSeconds,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: request.pod.name, uid: request.pod.uid },
        },
      };
      const path = pathOf('ServiceAccount', namespace, serviceAccount, 'token');
      const answer = await client.call<TokenRequestAnswer>('POST', path, body);
      return { token: answer.status.token, expiresAt: new Date(answer.status.expirationTimestamp) };
    },
  };
}

/** One file of a volume: its bytes, mode and owner (root unless fsGroup or a single pod user says otherwise). */
interface FileContent {
  readonly data: Buffer;
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
}

/** A volume's files by path relative to the volume. */
type Payload = Map<string, FileContent>;

/** The API's defaultMode for every file source (420). */
const DEFAULT_MODE = 0o644;
/** The API's default for a projected token's expirationSeconds (ServiceAccountTokenProjection defaulting). */
const DEFAULT_TOKEN_SECONDS = 3600;
/** The kubelet renews a token at 80 % of its life, and at the latest after 24 hours. */
const TOKEN_MAX_AGE_MS = 24 * 3600 * 1000;
const DATA = '..data';

/** A relative path that stays inside the volume (the API validates this too; a node must not trust it). */
function checkPath(path: string): string {
  const parts = path.split('/');
  if (!path || path.startsWith('/') || parts.includes('..') || path.startsWith('..') || parts.some((p) => p.length > 255)) {
    throw new Error(`invalid path "${path}" in a volume's items`);
  }
  return path;
}

/** The kubelet's FsUser: the one runAsUser every container has (then projected tokens are that user's), else none. */
export function fsUserOf(pod: Pod): number | undefined {
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const users = new Set(all.map((c) => c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser));
  const [only] = users;
  return users.size === 1 ? only : undefined;
}

/** Tokens by what was asked, reused until 80 % of their life (or 24 h) has passed. */
class TokenCache {
  private readonly entries = new Map<string, Token & { readonly refreshAt: number }>();
  private readonly api: VolumeApi;
  private readonly now: () => number;

  constructor(api: VolumeApi, now: () => number) {
    this.api = api;
    this.now = now;
  }

  async get(namespace: string, serviceAccount: string, request: TokenRequest): Promise<string> {
    const key = `${serviceAccount}|${request.audience ?? ''}|${request.expirationSeconds}`;
    const cached = this.entries.get(key);
    const now = this.now();
    if (cached && now < cached.refreshAt) return cached.token;
    try {
      const fresh = await this.api.token(namespace, serviceAccount, request);
      const life = Math.min(0.8 * (fresh.expiresAt.getTime() - now), TOKEN_MAX_AGE_MS);
      this.entries.set(key, { ...fresh, refreshAt: now + life });
      return fresh.token;
    } catch (error) {
      // As the kubelet: a renewal that fails keeps the old token while it is still valid.
      if (cached && now < cached.expiresAt.getTime()) return cached.token;
      throw error;
    }
  }

  /** When the next token is due for renewal (Infinity with none). */
  nextRefresh(): number {
    return Math.min(...[...this.entries.values()].map((e) => e.refreshAt));
  }
}

interface Context {
  readonly pod: Pod;
  readonly facts: VolumeFacts;
  readonly api: VolumeApi;
  readonly tokens: TokenCache;
}

/** Keys to files: every key under its own name, or only `items` (renamed, with their modes); a missing key is an error. */
function keyFiles(
  kind: 'configmap' | 'secret',
  data: KeyData,
  items: readonly KeyToPath[] | undefined,
  mode: number,
  optional: boolean,
): [string, FileContent][] {
  if (!items) return Object.entries(data).map(([key, bytes]) => [checkPath(key), { data: bytes, mode }]);
  return items.flatMap((item): [string, FileContent][] => {
    const bytes = data[item.key];
    if (bytes !== undefined) return [[checkPath(item.path), { data: bytes, mode: item.mode ?? mode }]];
    if (optional) return [];
    throw new Error(`${kind} references non-existent ${kind === 'configmap' ? 'config' : 'secret'} key: ${item.key}`);
  });
}

async function objectFiles(
  kind: 'configmap' | 'secret',
  source: { name: string; items?: readonly KeyToPath[]; optional?: boolean },
  mode: number,
  context: Context,
): Promise<[string, FileContent][]> {
  const namespace = context.pod.metadata.namespace ?? 'default';
  const { api } = context;
  const data = await (kind === 'configmap' ? api.configMap(namespace, source.name) : api.secret(namespace, source.name));
  if (data === undefined) {
    // An optional source that does not exist is an empty volume, filled when it appears.
    if (source.optional) return [];
    throw new Error(`${kind} "${source.name}" not found`);
  }
  return keyFiles(kind, data, source.items, mode, source.optional === true);
}

function downwardFiles(items: readonly DownwardFile[], mode: number, context: Context): [string, FileContent][] {
  const { pod } = context;
  return items.map((item) => {
    let value = '';
    if (item.fieldRef) value = fieldValue(item.fieldRef.fieldPath, pod, context.facts);
    else if (item.resourceFieldRef) {
      const name = item.resourceFieldRef.containerName;
      const container = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === name);
      if (!container) throw new Error(`resourceFieldRef of ${item.path} names no container of the pod: ${name}`);
      value = resourceValue(item.resourceFieldRef, container, context.facts.allocatable);
    }
    return [checkPath(item.path), { data: Buffer.from(value), mode: item.mode ?? mode }];
  });
}

async function projectedFiles(source: ProjectedSource, mode: number, context: Context): Promise<[string, FileContent][]> {
  if (source.configMap) return objectFiles('configmap', source.configMap, mode, context);
  if (source.secret) return objectFiles('secret', source.secret, mode, context);
  if (source.downwardAPI) return downwardFiles(source.downwardAPI.items, mode, context);
  const request = source.serviceAccountToken;
  if (!request) return [];
  const { pod } = context;
  const token = await context.tokens.get(pod.metadata.namespace ?? 'default', pod.spec.serviceAccountName ?? 'default', {
    ...(request.audience !== undefined && { audience: request.audience }),
    expirationSeconds: request.expirationSeconds ?? DEFAULT_TOKEN_SECONDS,
    pod: { name: pod.metadata.name, uid: pod.metadata.uid },
  });
  // The kubelet keeps a token to its user when it knows who that is (fsGroup or one runAsUser for all containers).
  const fsUser = fsUserOf(pod);
  const owned = fsUser !== undefined || pod.spec.securityContext?.fsGroup !== undefined;
  return [
    [checkPath(request.path), { data: Buffer.from(token), mode: owned ? 0o600 : mode, ...(fsUser !== undefined && { uid: fsUser }) }],
  ];
}

/** The files a non-emptyDir volume holds now, read from its sources; throws the kubelet's words for a missing one. */
async function payloadOf(volume: Volume, context: Context): Promise<Payload> {
  let files: [string, FileContent][];
  if (volume.configMap) files = await objectFiles('configmap', volume.configMap, volume.configMap.defaultMode ?? DEFAULT_MODE, context);
  else if (volume.secret) {
    const { secretName: name, ...rest } = volume.secret;
    files = await objectFiles('secret', { name, ...rest }, volume.secret.defaultMode ?? DEFAULT_MODE, context);
  } else if (volume.downwardAPI) files = downwardFiles(volume.downwardAPI.items, volume.downwardAPI.defaultMode ?? DEFAULT_MODE, context);
  else if (volume.projected) {
    const mode = volume.projected.defaultMode ?? DEFAULT_MODE;
    files = (await Promise.all(volume.projected.sources.map((s) => projectedFiles(s, mode, context)))).flat();
  } else {
    const kind = Object.keys(volume).find((key) => key !== 'name') ?? 'none';
    throw new Error(`volume type ${kind} is not supported by the local node`);
  }
  // fsGroup: the kubelet gives the group the files and read access to them (SetVolumeOwnership on a read-only volume).
  const fsGroup = context.pod.spec.securityContext?.fsGroup;
  return new Map(files.map(([path, file]) => [path, fsGroup === undefined ? file : { ...file, gid: fsGroup, mode: file.mode | 0o440 }]));
}

/** A payload as one comparable string: a volume is written again only when this changes. */
function fingerprint(payload: Payload): string {
  const entries = [...payload].sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(entries.map(([path, f]) => [path, f.mode, f.uid, f.gid, f.data.toString('base64')]));
}

/** `..2026_12_07_05_36_24.`: the kubelet's name for a generation of a volume's files, oldest sorted first. */
function generationPrefix(now: Date): string {
  return `..${now.toISOString().slice(0, 19).replace(/[-T:]/g, '_')}.`;
}

/**
 * Writes a volume's files as the kubelet's AtomicWriter does: a new generation directory, then the `..data` link swapped
 * to it by one rename, so a reader sees the old set of files or the new one, never a mix (a certificate with the
 * wrong key) nor half a file; the visible names are links through `..data`, and the old generation is removed.
 */
async function writeAtomically(dir: string, payload: Payload, now: Date): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const previous = await readlink(join(dir, DATA)).catch(() => undefined);
  const generation = await mkdtemp(join(dir, generationPrefix(now)));
  await chmod(generation, 0o755);
  for (const [path, file] of payload) {
    const target = join(generation, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, file.data);
    await chmod(target, file.mode);
    if (file.uid !== undefined || file.gid !== undefined) await chown(target, file.uid ?? 0, file.gid ?? 0);
  }
  const temporary = join(dir, `${DATA}_tmp`);
  await rm(temporary, { force: true });
  await symlink(basename(generation), temporary);
  await rename(temporary, join(dir, DATA));
  const visible = new Set([...payload.keys()].map((path) => path.split('/')[0]!));
  for (const name of visible) {
    const isLink = await lstat(join(dir, name)).then(
      (s) => s.isSymbolicLink(),
      () => false,
    );
    if (!isLink) await symlink(`${DATA}/${name}`, join(dir, name));
  }
  for (const entry of await readdir(dir)) {
    if (!entry.startsWith('..') && !visible.has(entry)) await rm(join(dir, entry), { force: true });
  }
  if (previous && previous !== basename(generation)) await rm(join(dir, previous), { recursive: true, force: true });
}

/** Whether a path is a mount point now (after an agent restart, a Memory emptyDir is still mounted). */
async function isMountPoint(path: string): Promise<boolean> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  const escaped = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return table.split('\n').some((line) => line.split(' ')[4] === escaped);
}

/**
 * An emptyDir: a directory every container user may write (0777), kept across container restarts. `medium: Memory`
 * is a tmpfs, as on a node (sized by sizeLimit, else tmpfs' own half of RAM), so its bytes never reach a disk.
 */
async function makeEmptyDir(dir: string, source: NonNullable<Volume['emptyDir']>, fsGroup: number | undefined): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  const memory = source.medium === 'Memory';
  if (memory && !(await isMountPoint(dir))) {
    const size = source.sizeLimit ? `,size=${Math.ceil(parseQuantity(source.sizeLimit))}` : '';
    await run('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir]);
  }
  if (fsGroup !== undefined) await chown(dir, 0, fsGroup);
  // The setgid bit makes what the containers create there the fsGroup's too, as the kubelet's ownership does.
  await chmod(dir, fsGroup === undefined ? 0o777 : 0o2777);
  return memory;
}

/** The pod's volumes on the host, kept current: ConfigMaps and Secrets re-read every sync, tokens renewed when due. */
export class PodVolumes {
  private pod: Pod;
  private readonly dirOf: (volume: string) => string;
  private readonly context: Omit<Context, 'pod'>;
  private readonly options: VolumeOptions;
  private readonly written = new Map<string, string>();
  private readonly tmpfs: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(pod: Pod, dirOf: (volume: string) => string, context: Omit<Context, 'pod'>, options: VolumeOptions) {
    this.pod = pod;
    this.dirOf = dirOf;
    this.context = context;
    this.options = options;
  }

  /**
   * Reads every source first and writes nothing unless all can be read, so a pod whose ConfigMap does not exist yet
   * leaves no half-made volumes: the caller reports the VolumeNotReady (FailedMount) and calls mount again later.
   */
  static async mount(
    pod: Pod,
    dirOf: (volume: string) => string,
    api: VolumeApi,
    facts: VolumeFacts,
    options: VolumeOptions = {},
  ): Promise<PodVolumes> {
    const now = options.now ?? Date.now;
    const volumes = new PodVolumes(pod, dirOf, { api, facts, tokens: new TokenCache(api, now) }, options);
    const payloads = await volumes.readAll();
    const fsGroup = pod.spec.securityContext?.fsGroup;
    try {
      for (const volume of pod.spec.volumes ?? []) {
        if (volume.emptyDir) {
          if (await makeEmptyDir(dirOf(volume.name), volume.emptyDir, fsGroup)) volumes.tmpfs.push(dirOf(volume.name));
        } else await volumes.write(volume.name, payloads.get(volume.name)!);
      }
    } catch (error) {
      // A tmpfs already made must not outlive a mount that failed (the caller has no PodVolumes to close).
      await volumes.close();
      throw error;
    }
    volumes.schedule();
    return volumes;
  }

  /** Every non-emptyDir volume's payload; the first volume (in spec order) that cannot be read throws. */
  private async readAll(): Promise<Map<string, Payload>> {
    const context = { ...this.context, pod: this.pod };
    const files = (this.pod.spec.volumes ?? []).filter((v) => !v.emptyDir);
    const results = await Promise.allSettled(files.map((v) => payloadOf(v, context)));
    const payloads = new Map<string, Payload>();
    for (const [i, result] of results.entries()) {
      const name = files[i]!.name;
      if (result.status === 'rejected') throw new VolumeNotReady(name, (result.reason as Error).message);
      payloads.set(name, result.value);
    }
    return payloads;
  }

  private async write(name: string, payload: Payload): Promise<void> {
    const print = fingerprint(payload);
    if (this.written.get(name) === print) return;
    await writeAtomically(this.dirOf(name), payload, new Date((this.options.now ?? Date.now)()));
    this.written.set(name, print);
  }

  /**
   * Reads the sources again and rewrites the volumes that changed (a newer `pod` updates its downward API files).
   * A source that fails keeps its volume's last files (the kubelet's behaviour); the first failure is thrown after
   * the other volumes are done.
   */
  refresh(pod?: Pod): Promise<void> {
    if (pod) this.pod = pod;
    const next = this.queue.then(() => this.sync());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async sync(): Promise<void> {
    if (this.closed) return;
    const context = { ...this.context, pod: this.pod };
    let failure: Error | undefined;
    for (const volume of this.pod.spec.volumes ?? []) {
      if (volume.emptyDir) continue;
      try {
        await this.write(volume.name, await payloadOf(volume, context));
      } catch (error) {
        failure ??= new VolumeNotReady(volume.name, (error as Error).message);
      }
    }
    if (failure) throw failure;
  }

  /** The next sync: a minute, or sooner when a token is due. */
  private schedule(): void {
    if (this.closed) return;
    const now = (this.options.now ?? Date.now)();
    const delay = Math.max(0, Math.min(this.options.syncMs ?? 60_000, this.context.tokens.nextRefresh() - now));
    this.timer = setTimeout(() => {
      this.refresh().then(
        () => this.schedule(),
        (error: Error) => {
          this.options.onError?.(error);
          this.schedule();
        },
      );
    }, delay);
  }

  /** Stops the syncs and unmounts the Memory emptyDirs (the caller removes the directories). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.queue;
    // Lazily: a container's mount namespace that still holds a copy must not make the host's unmount fail.
    for (const dir of this.tmpfs.splice(0)) await run('umount', ['-l', dir]);
  }
}
