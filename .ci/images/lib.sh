# Shared by the images CI part: a private Docker engine (own socket, data root and exec root) and small helpers.
# Why private: other work on this machine may run its own engine; ours keeps its own socket and state (it still uses the
# default docker0 bridge, so two engines running at once would share that).

MESH_DOCKER_ROOT=${MESH_DOCKER_ROOT:-/var/lib/mesh-demo-docker}
MESH_DOCKER_RUN=${MESH_DOCKER_RUN:-/run/mesh-demo-docker}
export DOCKER_HOST=${DOCKER_HOST:-unix://$MESH_DOCKER_RUN/docker.sock}
# Debian's client speaks the legacy builder to Debian's engine; a newer client on PATH would ask for buildx.
export DOCKER=${DOCKER:-/usr/bin/docker}
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0

log() { printf '[images] %s\n' "$*"; }

# Install the engine, compose and debootstrap from Debian when missing (idempotent).
ensure_packages() {
  local missing=()
  for pair in dockerd:docker.io docker-compose:docker-compose debootstrap:debootstrap prometheus:prometheus; do
    command -v "${pair%%:*}" >/dev/null || [ -x "/usr/sbin/${pair%%:*}" ] || [ -x "/usr/bin/${pair%%:*}" ] || missing+=("${pair#*:}")
  done
  [ -x /usr/bin/docker ] || missing+=(docker.io)
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
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
