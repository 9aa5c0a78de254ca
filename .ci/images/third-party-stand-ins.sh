#!/usr/bin/env bash
# Builds CI stand-ins for the compose file's Jaeger and Prometheus images, from the same software: Jaeger v2 built from
# its Go module, Prometheus from Debian's package. images.sh points compose at them (JAEGER_IMAGE, PROMETHEUS_IMAGE).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

jaeger_image=mesh-demo-ci/jaeger:2.13.0
prometheus_image=mesh-demo-ci/prometheus:debian

# The one Jaeger build of the repo (pinned in .ci/tools/versions.sh: the v2.13.0 release that docker-compose.yml names).
bash "$repo/.ci/tools/install-tools.sh" jaeger
jaeger_bin="$repo/.tools/bin/jaeger"

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
