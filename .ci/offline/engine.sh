# shellcheck shell=bash
# Shared by the images CI part (.ci/parts/images.sh) and the stand-in builds: a private Docker engine (own socket, data root
# and exec root), a throwaway registry, and small helpers.
# Why private: other work on this machine may run its own engine; ours keeps its own socket and state (it still uses the
# default docker0 bridge, so two engines running at once would share that).

MESH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MESH_DOCKER_ROOT=${MESH_DOCKER_ROOT:-/var/lib/mesh-demo-docker}
MESH_DOCKER_RUN=${MESH_DOCKER_RUN:-/run/mesh-demo-docker}
export DOCKER_HOST=${DOCKER_HOST:-unix://$MESH_DOCKER_RUN/docker.sock}
# Debian's client (20.10), not a newer one on PATH: that one would ask for a buildx plugin this machine does not have.
export DOCKER=${DOCKER:-/usr/bin/docker}
# BuildKit, as Docker 23+ builds for everyone: the 20.10 client drives the engine's BuildKit itself, and Compose v2,
# finding no buildx for `bake`, uses its own BuildKit builder (it says so in one warning line). Builds label their
# images per Compose service as on a laptop, keep no build-stage images, and leave nothing behind when they fail.
export DOCKER_BUILDKIT=1
# Compose v2, built by install-tools.sh, as the `docker compose` plugin of a docker config of our own (no ~/.docker).
export DOCKER_CONFIG=${DOCKER_CONFIG:-$MESH_REPO/.tools/docker}
export COMPOSE=${COMPOSE:-$DOCKER compose}

log() { printf '[images] %s\n' "$*"; }

# Install the engine and its client, debootstrap, Prometheus, the registry and curl from Debian when missing
# (idempotent). The client is looked for at /usr/bin/docker: a different docker on PATH is not Debian's.
ensure_packages() {
  local missing=() pair
  for pair in /usr/sbin/dockerd:docker.io /usr/bin/docker:docker.io /usr/sbin/debootstrap:debootstrap \
    /usr/bin/prometheus:prometheus /usr/bin/docker-registry:docker-registry /usr/bin/curl:curl; do
    [ -x "${pair%%:*}" ] || [[ " ${missing[*]} " == *" ${pair#*:} "* ]] || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] || bash "$MESH_REPO/tools/apt-install.sh" "${missing[@]}"
}

engine_up() { "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# Start our own dockerd in the background; returns once it answers (or fails after a described timeout).
# overlay2 first (fast: a build step costs a mount, not a copy); vfs, which works on any filesystem, if it won't start.
start_engine() {
  if engine_up; then log "engine already answering on $DOCKER_HOST"; return 0; fi
  local driver
  for driver in ${MESH_DOCKER_STORAGE:-overlay2 vfs}; do
    start_engine_with "$driver" && return 0
    stop_engine
  done
  return 1
}

start_engine_with() { # storage driver
  local driver=$1 i
  mkdir -p "$MESH_DOCKER_ROOT/$driver" "$MESH_DOCKER_RUN"
  dockerd --storage-driver="$driver" \
    --data-root "$MESH_DOCKER_ROOT/$driver" --exec-root "$MESH_DOCKER_RUN/exec" \
    --pidfile "$MESH_DOCKER_RUN/dockerd.pid" --host "$DOCKER_HOST" \
    >"$MESH_DOCKER_RUN/dockerd.log" 2>&1 &
  for i in $(seq 1 60); do
    if engine_up; then
      log "engine up on $DOCKER_HOST (storage $driver, pid $(cat "$MESH_DOCKER_RUN/dockerd.pid"))"
      return 0
    fi
    kill -0 $! 2>/dev/null || break
    sleep 1
  done
  log "dockerd with storage $driver did not answer within 60 s; its log:"; tail -5 "$MESH_DOCKER_RUN/dockerd.log" >&2
  return 1
}

# Stop the dockerd we started (by its pid file only), waiting up to 30 s for it to exit.
stop_engine() {
  local pidfile="$MESH_DOCKER_RUN/dockerd.pid" pid i
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || { log "engine stopped"; return 0; }; sleep 1; done
  log "dockerd $pid still running after 30 s; sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true
}

has_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# A throwaway registry for e2e/images/registry-push: Debian's docker-registry (the CNCF distribution registry) on
# 127.0.0.1, its config and storage in a temp dir that stop_registry removes. Plain HTTP: docker allows it for
# 127.0.0.0/8 registries without any daemon setting. MESH_REGISTRY is where the test pushes.
export MESH_REGISTRY=${MESH_REGISTRY:-127.0.0.1:5000}
MESH_REGISTRY_DIR=${MESH_REGISTRY_DIR:-}

registry_up() { curl -fsS --max-time 2 "http://$MESH_REGISTRY/v2/" >/dev/null 2>&1; }

start_registry() {
  local pid i
  if registry_up; then log "something already answers as a registry on $MESH_REGISTRY; stop it first"; return 1; fi
  MESH_REGISTRY_DIR=$(mktemp -d /tmp/mesh-demo-registry.XXXXXX)
  mkdir "$MESH_REGISTRY_DIR/storage"
  cat >"$MESH_REGISTRY_DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $MESH_REGISTRY_DIR/storage
http:
  addr: $MESH_REGISTRY
YAML
  docker-registry serve "$MESH_REGISTRY_DIR/config.yml" >"$MESH_REGISTRY_DIR/registry.log" 2>&1 &
  pid=$!
  echo "$pid" >"$MESH_REGISTRY_DIR/registry.pid"
  for i in $(seq 1 30); do
    if registry_up; then log "registry up on $MESH_REGISTRY (pid $pid, storage in $MESH_REGISTRY_DIR)"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  log "docker-registry did not answer on $MESH_REGISTRY within 30 s; its log:"; tail -5 "$MESH_REGISTRY_DIR/registry.log" >&2
  stop_registry
  return 1
}

# Stop the registry we started (by its pid file only) and remove its config and storage.
stop_registry() {
  local dir=$MESH_REGISTRY_DIR pid i
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  if [ -f "$dir/registry.pid" ]; then
    pid=$(cat "$dir/registry.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 10); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then log "docker-registry $pid still running after 10 s; sending SIGKILL"; kill -KILL "$pid"; fi
  fi
  rm -rf "$dir"
  MESH_REGISTRY_DIR=
  log "registry stopped, its storage removed"
}
