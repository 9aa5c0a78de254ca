#!/usr/bin/env bash
# Container images for real: a private Docker engine, local stand-ins for the images no registry can give us here,
# a throwaway local registry, then e2e/images (build the four images, run each read-only as an arbitrary UID, SIGTERM,
# Compose v2 up/v2/down and the README's quick start, `./pnpmw images push` to the registry and the chain from the
# images pulled back by digest). Each phase prints its time, which is what its budget is set by.
# budget: 7 (minutes, read by .ci/run): measured 256 s on a cold engine (stand-ins, BuildKit cache and images all
# built), 183 s warm; Debian's packages on a fresh machine add a minute or two.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
# shellcheck source=../offline/engine.sh
. .ci/offline/engine.sh
[ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"
phase_started=$SECONDS
phase() { log "$1: $((SECONDS - phase_started)) s"; phase_started=$SECONDS; }

cleanup() {
  local status=$?
  if engine_up; then
    # Whatever the tests left behind (they clean up themselves; this covers a crash or an interrupt).
    for project in mesh-demo-e2e-images mesh-demo-e2e-quick-start; do
      $COMPOSE --project-name $project --file "$repo/docker-compose.yml" --profile v2 down --remove-orphans --volumes >/dev/null 2>&1 || true
    done
    ids=$("$DOCKER" ps --all --quiet --filter name=mesh-demo-e2e- 2>/dev/null || true)
    [ -z "$ids" ] || "$DOCKER" rm --force $ids >/dev/null 2>&1 || true
    ids=$("$DOCKER" network ls --quiet --filter name=mesh-demo-e2e- 2>/dev/null || true)
    [ -z "$ids" ] || "$DOCKER" network rm $ids >/dev/null 2>&1 || true
    # Images pushed to (and pulled from) the throwaway registry, whose storage goes with it.
    ids=$("$DOCKER" image ls --format '{{.ID}} {{.Repository}}' 2>/dev/null | awk -v r="$MESH_REGISTRY/" 'index($2, r) == 1 { print $1 }' | sort -u || true)
    [ -z "$ids" ] || "$DOCKER" rmi --force $ids >/dev/null 2>&1 || true
  fi
  stop_registry
  stop_engine
  exit $status
}
trap cleanup EXIT

ensure_packages
# Compose v2 from its Go module (.ci/run's tools stage has usually built it already: then this only checks the stamp).
bash tools/install-tools.sh compose
log "$("$DOCKER" --version), $($COMPOSE version)"
phase "packages and Compose"

start_engine
phase "engine"
bash .ci/offline/base-stand-ins.sh
bash .ci/offline/third-party-stand-ins.sh
export JAEGER_IMAGE=mesh-demo-ci/jaeger:2.13.0 PROMETHEUS_IMAGE=mesh-demo-ci/prometheus:debian
start_registry
phase "stand-ins and registry"

./pnpmw --filter @mesh-demo/e2e run test:images
phase "e2e/images"

log "image sizes (uncompressed, as docker image ls counts them):"
"$DOCKER" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^(mesh-demo/|node:)' | sed 's/^/  /' || true
for image in node:24-slim mesh-demo/customer:dev; do
  log "$image compressed (docker save | gzip): $(( $("$DOCKER" save "$image" | gzip | wc -c) / 1000000 )) MB"
done
# What stays for a faster next run: the tagged images, the stand-ins and BuildKit's cache (the build stage lives there,
# not in images). What goes: images a newer build or stand-in took the tag from (untagged now), and the build cache
# beyond 3 GB, least recently used first (a cold run leaves about 0.55 GB; changed sources add less than that).
"$DOCKER" image prune --force >/dev/null
"$DOCKER" builder prune --force --keep-storage 3gb >/dev/null
log "engine disk after pruning: $("$DOCKER" system df --format '{{.Type}} {{.Size}}' | paste -sd, | sed 's/,/, /g')"
phase "sizes and pruning"
