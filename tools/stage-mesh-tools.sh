#!/usr/bin/env bash
# Stages the local mesh's tools, as this machine built them, into .tools/mesh-image for the mesh image's `host` road
# (MESH_TOOLS=host): hard links, so it costs no copy. Run `./pnpmw mesh tools` first; CI does.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.sh
. "$root/tools/versions.sh"
src="$root/.tools" dest="$root/.tools/mesh-image"
# What `./pnpmw mesh tools` installs (packages/mesh/src/tools.ts), with the version stamps that make the image's own
# `mesh tools` find them up to date, so nothing is rebuilt in a container that has no Go.
bins=(helm pilot-agent kube kubectl coredns pilot-discovery istio-cni istioctl jaeger)
dirs=("envoy-$ENVOY_VERSION" etcd istio openshift gateway-api zipkin)
missing=()
for name in "${bins[@]}"; do [ -e "$src/bin/$name" ] || missing+=("bin/$name"); done
for name in "${dirs[@]}"; do [ -d "$src/$name" ] || missing+=("$name"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "stage-mesh-tools: .tools lacks ${missing[*]}; run ./pnpmw mesh tools first" >&2
  exit 1
fi
rm -rf "$dest" && mkdir -p "$dest/bin"
for name in "${bins[@]}"; do
  cp -P --link "$src/bin/$name" "$dest/bin/" 2>/dev/null || cp -P "$src/bin/$name" "$dest/bin/"
  [ ! -e "$src/bin/$name.version" ] || cp "$src/bin/$name.version" "$dest/bin/"
done
for name in "${dirs[@]}"; do
  cp -a --link "$src/$name" "$dest/" 2>/dev/null || cp -a "$src/$name" "$dest/"
  [ ! -e "$src/$name.version" ] || cp "$src/$name.version" "$dest/"
done
echo "stage-mesh-tools: $(du -sh "$dest" | cut -f1) staged in .tools/mesh-image"
