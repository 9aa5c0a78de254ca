// How one container starts, as a container runtime would start it: its own root (this machine's, copy-on-write), its
// image's files and the pod's volumes at their paths, the pod's network and host name, its user, then exec.
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import type { ContainerPlan } from './plan.ts';

/** Where a container's pieces are on the host. */
export interface ContainerPaths {
  /** The container's own directory: its writable layer and the root it sees. */
  readonly dir: string;
  /** The pod's network namespace (a file under /run/netns). */
  readonly netns: string;
  /** The pod's /etc/hosts, /etc/resolv.conf and /etc/hostname, written by the node agent. */
  readonly etc: { readonly hosts: string; readonly resolvConf: string; readonly hostname: string };
  /** A volume's directory on the host. */
  volume(name: string): string;
  readonly hostname: string;
}

/** One argument for sh, quoted so that nothing in it is interpreted. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const q = shQuote;

/**
 * A path inside the container's root with its symbolic links followed as the container would follow them (`/var/run`
 * is `/run` on Debian): the root is this machine's own until the container writes, so its links are read here. Without
 * this, a mount at `$ROOT/var/run/...` would follow the absolute link out of the root, onto the host's own /run.
 */
export function resolveInRoot(target: string, root = '/'): string {
  const parts = posix.normalize(target).split('/').filter(Boolean);
  let resolved = '/';
  for (let i = 0, hops = 0; i < parts.length; i++) {
    const next = posix.join(resolved, parts[i]!);
    let link: string | undefined;
    try {
      link = lstatSync(posix.join(root, next)).isSymbolicLink() ? readlinkSync(posix.join(root, next)) : undefined;
    } catch {
      link = undefined; // not there yet: made by the mount
    }
    if (link === undefined) {
      resolved = next;
      continue;
    }
    if (++hops > 40) throw new Error(`too many symbolic links in ${target}`);
    const rest = parts.slice(i + 1);
    parts.splice(
      0,
      parts.length,
      ...posix
        .normalize(posix.isAbsolute(link) ? link : posix.join(resolved, link))
        .split('/')
        .filter(Boolean),
      ...rest,
    );
    resolved = '/';
    i = -1;
  }
  return resolved;
}

interface Bind {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/**
 * One bind, as runc makes it: its mount point made inside the root as it is at that moment (so a volume nested in an
 * earlier one gets its mount point inside that volume), then the mount. Read-only comes later, for all of them.
 */
function mount(bind: Bind): string[] {
  const path = `"$ROOT"${q(resolveInRoot(bind.target))}`;
  return [
    `if [ -d ${q(bind.source)} ]; then mkdir -p ${path}; else mkdir -p "$(dirname ${path})" && touch ${path}; fi`,
    `mount --bind ${q(bind.source)} ${path}`,
  ];
}

/** Byte order, not a locale's: a parent path sorts before anything under it. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function readOnly(bind: Bind): string[] {
  return bind.readOnly ? [`mount -o remount,bind,ro "$ROOT"${q(resolveInRoot(bind.target))}`] : [];
}

/** The arguments after the script: the container's env as NAME=value words (env -i sets exactly these). */
export function envWords(env: Readonly<Record<string, string>>): string[] {
  return Object.entries({ HOME: '/', ...env }).map(([name, value]) => `${name}=${value}`);
}

/**
 * The script (run as root by `sh -c`, inside `unshare --mount --uts` and the pod's network namespace) that builds the
 * container's root and execs its process:
 * - an overlay of this machine's own root, with a writable layer of the container's own (gone with the container, as
 *   a restarted container's is), so the image's and volumes' paths are made without touching the host's files;
 * - /dev, /proc and /sys of the host, and the pod's /etc/hosts, resolv.conf and hostname;
 * - the image's files and the pod's volumes (a subPath binds part of one), read-only where the spec says;
 * - a read-only root when the container asks for one (its volumes stay writable, as on a node);
 * - then, inside that root, the container's user (setpriv, no new privileges, every capability dropped from a non-root
 *   user) and working directory, and exec: the process keeps the pid the node agent started.
 */
export function launchScript(plan: ContainerPlan, paths: ContainerPaths): string {
  const binds: Bind[] = [
    { source: paths.etc.hosts, target: '/etc/hosts', readOnly: false },
    { source: paths.etc.resolvConf, target: '/etc/resolv.conf', readOnly: false },
    { source: paths.etc.hostname, target: '/etc/hostname', readOnly: false },
    ...Object.entries(plan.files).map(([target, source]) => ({ source, target, readOnly: true })),
    ...plan.mounts.map((m) => ({
      source: m.subPath ? `${paths.volume(m.volume)}/${m.subPath}` : paths.volume(m.volume),
      target: m.target,
      readOnly: m.readOnly,
    })),
  ];
  const lines = [
    'set -e',
    `ROOT=${q(`${paths.dir}/root`)}; UPPER=${q(`${paths.dir}/upper`)}; WORK=${q(`${paths.dir}/work`)}`,
    'rm -rf "$UPPER" "$WORK"; mkdir -p "$ROOT" "$UPPER" "$WORK"',
    'mount --make-rprivate /',
    // This namespace holds a copy of every pod's /run/netns mount, which would keep those namespaces alive after their
    // pods are gone: drop the copies first.
    'umount -R -l /run/netns 2>/dev/null || true',
    'mount -t overlay overlay -o "lowerdir=/,upperdir=$UPPER,workdir=$WORK" "$ROOT"',
    'mount --rbind /dev "$ROOT/dev"',
    'mount -t proc proc "$ROOT/proc"',
    'mount --rbind /sys "$ROOT/sys"',
    // The host's /run and /tmp hold other pods' files and sockets: the container starts with empty ones.
    'mount -t tmpfs -o mode=1777 tmpfs "$ROOT/tmp"',
    'mount -t tmpfs -o mode=0755 tmpfs "$ROOT/run"',
    // Outer paths first, so a mount inside another volume lands in that volume (/var/run/secrets/istio/crl).
    ...[...binds].sort((x, y) => compare(resolveInRoot(x.target), resolveInRoot(y.target))).flatMap(mount),
    ...binds.flatMap(readOnly),
    // A read-only root is read-only everywhere but in its volumes; a volume mounted on /tmp itself keeps it writable.
    ...(plan.readOnlyRoot
      ? [
          ...(binds.some((x) => resolveInRoot(x.target) === '/tmp') ? [] : ['mount -o remount,ro "$ROOT/tmp"']),
          'mount -o remount,ro "$ROOT/run"',
          'mount -o remount,ro "$ROOT"',
        ]
      : []),
    `hostname ${q(paths.hostname)}`,
    `cd "$ROOT"`,
  ];
  const groups = plan.groups.length ? `--groups=${plan.groups.join(',')}` : '--clear-groups';
  const drop = plan.uid === 0 ? [] : ['--inh-caps=-all', '--bounding-set=-all'];
  const setpriv = ['setpriv', `--reuid=${plan.uid}`, `--regid=${plan.gid}`, groups, '--no-new-privs', ...drop, '--'];
  // `env -i -C` starts the process with exactly the container's env (the script's arguments, NAME=value each) in its
  // working directory inside the new root.
  const exec = ['exec', 'chroot', '.', ...setpriv, 'env', '-i', '-C', plan.workingDir];
  lines.push(`${exec.map((word, i) => (i < 3 ? word : q(word))).join(' ')} "$@" ${plan.argv.map(q).join(' ')}`);
  return `${lines.join('\n')}\n`;
}
