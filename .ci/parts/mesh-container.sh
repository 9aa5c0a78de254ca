#!/usr/bin/env bash
# CI part: the local mesh in one container through Compose v2 on a real engine (docs/mesh-container.md): the mesh's
# tools built on this machine (this file sorts before mesh-tools.sh, which then finds them), the image from them, and
# e2e/mesh-container: up --wait, the published edge, a step switched by exec, the e2e/mesh subset inside, down leaving
# nothing, the refusals, and the Dockerfile's own Go-build road on a few tools.
# budget: 18 (minutes, read by .ci/run): the tools cold 369 s (moved here from mesh-tools.sh), the image about a minute,
# the tests about 9 min (the build road's few tools cold 3-4 min; up, the split, the subset and down 7.4 min with a
# Go build running beside them); each phase prints its time
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../offline/engine.sh
. .ci/offline/engine.sh
[ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"
phase_started=$SECONDS
phase() { log "$1: $((SECONDS - phase_started)) s"; phase_started=$SECONDS; }
override=.ci/offline/mesh-ci.compose.yml

cleanup() {
  local status=$?
  if engine_up; then
    for project in mesh-demo-e2e-mesh mesh-demo-e2e-mesh-port; do
      $COMPOSE --project-name $project --file docker-compose.yml --file $override --profile mesh down --remove-orphans --volumes >/dev/null 2>&1 || true
    done
    ids=$("$DOCKER" ps --all --quiet --filter name=mesh-demo-e2e- 2>/dev/null || true)
    [ -z "$ids" ] || "$DOCKER" rm --force $ids >/dev/null 2>&1 || true
  fi
  rm -rf .tools/mesh-image
  stop_engine
  exit $status
}
trap cleanup EXIT

ensure_packages
# What `mesh tools` checks for on the host (mesh-tools.sh installs the same, after this part on a fresh machine).
command -v iptables >/dev/null || bash tools/apt-install.sh --no-install-recommends iptables
command -v java >/dev/null || bash tools/apt-install.sh --no-install-recommends openjdk-17-jre-headless
bash tools/install-tools.sh compose
phase "packages and Compose"
./pnpmw -s mesh tools
phase "the mesh's tools"
start_engine
bash .ci/offline/base-stand-ins.sh
phase "engine and node:24-slim stand-in"

# The image from the tools just built (the host road, MESH_TOOLS=host); the Dockerfile's own road is a test below.
bash tools/stage-mesh-tools.sh
$COMPOSE --file docker-compose.yml --file $override --profile mesh build mesh
log "mesh-demo/mesh:dev: $("$DOCKER" image ls --format '{{.Size}}' mesh-demo/mesh:dev) uncompressed"
phase "image"

# This machine cannot start a privileged container (see $override): the tests get its stand-in, in both forms.
export MESH_CONTAINER_COMPOSE_FILES=$override
export MESH_CONTAINER_RUN_FLAGS="--cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined"
./pnpmw --filter @mesh-demo/e2e run test:mesh-container
phase "e2e/mesh-container"

"$DOCKER" image prune --force >/dev/null
"$DOCKER" builder prune --force --keep-storage 6gb >/dev/null
log "engine disk after pruning: $("$DOCKER" system df --format '{{.Type}} {{.Size}}' | paste -sd, | sed 's/,/, /g')"
