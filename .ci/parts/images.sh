#!/usr/bin/env bash
# Container images for real: a private Docker engine, local stand-ins for the images no registry can give us here,
# a throwaway local registry, then e2e/images (build the four images, run each read-only as an arbitrary UID, SIGTERM,
# compose up/v2/down, `./pnpmw images push` to the registry and the chain from the images pulled back by digest).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
# shellcheck source=../images/lib.sh
. .ci/images/lib.sh
export COMPOSE=${COMPOSE:-docker-compose}
[ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"

cleanup() {
  local status=$?
  if engine_up; then
    # Whatever the tests left behind (they clean up themselves; this covers a crash or an interrupt).
    $COMPOSE --project-name mesh-demo-e2e-images --file "$repo/docker-compose.yml" --profile v2 down --remove-orphans --volumes >/dev/null 2>&1 || true
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
  rm -f "${policy_rc:-/nonexistent}"
  exit $status
}
trap cleanup EXIT

# Debian's packages install without starting their services (no init system here; we start dockerd ourselves).
policy_rc=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_rc=/usr/sbin/policy-rc.d
fi
ensure_packages
log "$("$DOCKER" --version), $($COMPOSE --version)"

start_engine
bash .ci/images/base-stand-ins.sh
bash .ci/images/third-party-stand-ins.sh
export JAEGER_IMAGE=mesh-demo-ci/jaeger:2.13.0 PROMETHEUS_IMAGE=mesh-demo-ci/prometheus:debian
start_registry

./pnpmw --filter @mesh-demo/e2e run test:images

log "image sizes (uncompressed, as docker image ls counts them):"
"$DOCKER" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^(mesh-demo/|node:)' | sed 's/^/  /' || true
for image in node:24-slim mesh-demo/customer:dev; do
  log "$image compressed (docker save | gzip): $(( $("$DOCKER" save "$image" | gzip | wc -c) / 1000000 )) MB"
done
# Build-stage images of this run (untagged); the tagged images and stand-ins stay for a faster next run.
"$DOCKER" image prune --force >/dev/null
