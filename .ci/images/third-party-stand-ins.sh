#!/usr/bin/env bash
# Builds CI stand-ins for the compose file's Jaeger and Prometheus images, from the same software: Jaeger v2 built from
# its Go module, Prometheus from Debian's package. images.sh points compose at them (JAEGER_IMAGE, PROMETHEUS_IMAGE).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

# Jaeger module v1.76.0 is the Jaeger v2.13.0 release, the docker-compose.yml default.
jaeger_module_version=v1.76.0
jaeger_image=mesh-demo-ci/jaeger:2.13.0
prometheus_image=mesh-demo-ci/prometheus:debian

jaeger_bin="$repo/.tools/bin/jaeger"
if [ ! -x "$jaeger_bin" ]; then
  mkdir -p "$repo/.tools/bin"
  log "building jaeger $jaeger_module_version from its Go module (minutes the first time; the Go cache makes it quick after)"
  # Not `go install`: Jaeger's go.mod has replace directives, which go install refuses; a build inside the module honours them.
  dir=$(go mod download -json "github.com/jaegertracing/jaeger@$jaeger_module_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { log "could not download the jaeger module"; exit 1; }
  (cd "$dir" && GOFLAGS=-mod=readonly go build -o "$jaeger_bin.part" ./cmd/jaeger) && mv "$jaeger_bin.part" "$jaeger_bin"
fi

if ! has_image "$jaeger_image"; then
  ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
  cp "$jaeger_bin" "$ctx/jaeger-linux"
  cp "$here/jaeger-stand-in.Dockerfile" "$ctx/Dockerfile"
  log "build $jaeger_image"
  "$DOCKER" build -q -t "$jaeger_image" "$ctx" >/dev/null
  rm -rf "$ctx"; trap - EXIT
fi

if ! has_image "$prometheus_image"; then
  ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
  cp /usr/bin/prometheus "$ctx/prometheus"
  cp "$here/prometheus-stand-in.Dockerfile" "$ctx/Dockerfile"
  log "build $prometheus_image ($(/usr/bin/prometheus --version 2>&1 | head -1))"
  "$DOCKER" build -q -t "$prometheus_image" "$ctx" >/dev/null
  rm -rf "$ctx"; trap - EXIT
fi
