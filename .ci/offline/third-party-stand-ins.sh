#!/usr/bin/env bash
# Builds CI stand-ins for the compose file's Jaeger and Prometheus images, from the same software: Jaeger v2 built from
# its Go module, Prometheus from Debian's package. images.sh points compose at them (JAEGER_IMAGE, PROMETHEUS_IMAGE).
# Each is rebuilt only when what it is built from changes (see built_from).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=engine.sh
. "$here/engine.sh"

jaeger_image=mesh-demo-ci/jaeger:2.13.0
prometheus_image=mesh-demo-ci/prometheus:debian
# shellcheck source=../tools/versions.sh
. "$repo/tools/versions.sh"

# What each stand-in is built from, kept as a label on the image: the engine's data root outlives a clone, so an image
# whose label matches is reused as it is (no Go build, no docker build), and one built from something else is replaced.
built_from() { "$DOCKER" image inspect --format '{{index .Config.Labels "mesh-demo-ci.built-from"}}' "$1" 2>/dev/null || true; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
build_stand_in() { # image source dockerfile binary-in-context source-binary
  local image=$1 source=$2 dockerfile=$3 name=$4 binary=$5 ctx
  ctx=$(mktemp -d "$work/context.XXXXXX")
  cp "$binary" "$ctx/$name"
  cp "$here/$dockerfile" "$ctx/Dockerfile"
  log "build $image from $source"
  "$DOCKER" build -q --label "mesh-demo-ci.built-from=$source" -t "$image" "$ctx" >/dev/null
}

# The one Jaeger build of the repo (pinned in tools/versions.sh: the v2.13.0 release that docker-compose.yml names).
jaeger_source="github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION"
if [ "$(built_from "$jaeger_image")" != "$jaeger_source" ]; then
  bash "$repo/tools/install-tools.sh" jaeger
  build_stand_in "$jaeger_image" "$jaeger_source" jaeger-stand-in.Dockerfile jaeger-linux "$repo/.tools/bin/jaeger"
fi

prometheus_source="debian prometheus $(dpkg-query --showformat '${Version}' --show prometheus 2>/dev/null || /usr/bin/prometheus --version 2>&1 | head -1)"
if [ "$(built_from "$prometheus_image")" != "$prometheus_source" ]; then
  build_stand_in "$prometheus_image" "$prometheus_source" prometheus-stand-in.Dockerfile prometheus /usr/bin/prometheus
fi
log "third-party stand-ins ready: $jaeger_image ($jaeger_source), $prometheus_image ($prometheus_source)"
