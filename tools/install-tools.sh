#!/usr/bin/env bash
# Builds tools from the Go module proxy into .tools/bin: the chart's (helm, kubeconform, istioctl: `all`, the default), or
# the ones named (jaeger; compose; the local mesh's pilot-agent, local-istiod and istio-bootstrap); idempotent (a binary
# with a matching version stamp is kept).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.sh
. "$root/tools/versions.sh"
bin="$root/.tools/bin"
logs="$root/.tools/logs"
# Go's usual install place when it is not on PATH (CI's stages do not all add it); without Go, one line says so, and
# only when something has to be built.
command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
need_go() {
  command -v go >/dev/null && return 0
  echo "install-tools: go not found (on PATH or in /usr/local/go/bin), and $1 has to be built from its Go module" >&2
  exit 1
}
mkdir -p "$bin" "$logs"
export GOBIN="$bin" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

up_to_date() { # name spec: .tools/bin/<name> exists and its .version stamp records that spec
  if [ -x "$bin/$1" ] && [ "$(cat "$bin/$1.version" 2>/dev/null)" = "$2" ]; then
    echo "install-tools: $1 up to date ($2)"
    return 0
  fi
  return 1
}

built() { # name spec start status: report, and stamp on success
  if [ "$4" -ne 0 ]; then
    tail -20 "$logs/$1.log" >&2
    echo "install-tools: FAILED to build $1 from $2" >&2
    return 1
  fi
  echo "$2" >"$bin/$1.version"
  echo "install-tools: built $1 in $(( $(date +%s) - $3 ))s"
}

build() { # name module@version [ldflags]: go install
  local name=$1 spec=$2 ldflags=${3:-} start status=0
  up_to_date "$name" "$spec${ldflags:+ $ldflags}" && return 0
  need_go "$name"
  echo "install-tools: building $name from $spec (log: .tools/logs/$name.log)"
  start=$(date +%s)
  go install ${ldflags:+-ldflags "$ldflags"} "$spec" >"$logs/$name.log" 2>&1 || status=$?
  built "$name" "$spec${ldflags:+ $ldflags}" "$start" "$status"
}

build_in_module() { # name module@version package [ldflags]: go build inside the downloaded module, for a go.mod with
  # replace directives (go install refuses those; a build inside the module honours them) or a main package whose
  # directory name is not the binary's (compose's is ./cmd)
  local name=$1 spec=$2 package=$3 ldflags=${4:-} start status=0 dir
  up_to_date "$name" "$spec${ldflags:+ $ldflags}" && return 0
  need_go "$name"
  echo "install-tools: building $name from $spec (log: .tools/logs/$name.log; minutes the first time, the Go cache makes it quick after)"
  start=$(date +%s)
  dir=$(go mod download -json "$spec" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { echo "install-tools: could not download $spec" >&2; return 1; }
  (cd "$dir" && GOFLAGS="$GOFLAGS -mod=readonly" go build ${ldflags:+-ldflags "$ldflags"} -o "$bin/$name.part" "$package") \
    >"$logs/$name.log" 2>&1 && mv "$bin/$name.part" "$bin/$name" || status=$?
  built "$name" "$spec${ldflags:+ $ldflags}" "$start" "$status"
}

build_compose() { # .tools/bin/docker-compose, also a docker CLI plugin under .tools/docker (DOCKER_CONFIG) for `docker compose`
  # Why the version at link time: `docker compose version` and the images' com.docker.compose.version label show it.
  build_in_module docker-compose "github.com/docker/compose/v2@$COMPOSE_VERSION" ./cmd \
    "-w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" || return 1
  mkdir -p "$root/.tools/docker/cli-plugins"
  ln -sfn ../../bin/docker-compose "$root/.tools/docker/cli-plugins/docker-compose"
}

build_local_istiod() { # istiod with a fake Kubernetes client (packages/mesh/istiod), stamped with a hash of its sources
  local src="$root/packages/mesh/istiod" start status=0 spec
  spec="local-istiod@$ISTIO_MODULE_VERSION+$(cat "$src"/go.mod "$src"/go.sum "$src"/*.go | sha256sum | cut -c1-16)"
  up_to_date local-istiod "$spec" && return 0
  need_go local-istiod
  echo "install-tools: building local-istiod (log: .tools/logs/local-istiod.log; minutes the first time, the Go cache makes it quick after)"
  start=$(date +%s)
  (cd "$src" && GOFLAGS="$GOFLAGS -mod=readonly" go build -ldflags "$ISTIO_LDFLAGS" -o "$bin/local-istiod.part" .) >"$logs/local-istiod.log" 2>&1 \
    && mv "$bin/local-istiod.part" "$bin/local-istiod" || status=$?
  built local-istiod "$spec" "$start" "$status"
}

copy_istio_bootstrap() { # the Envoy bootstrap template Istio's proxy image carries (/var/lib/istio/envoy), from the same module
  local dest="$root/.tools/istio/envoy_bootstrap_tmpl.json" dir
  if [ -f "$dest" ] && [ "$(cat "$dest.version" 2>/dev/null)" = "$ISTIO_MODULE_VERSION" ]; then
    echo "install-tools: istio-bootstrap up to date ($ISTIO_MODULE_VERSION)"
    return 0
  fi
  need_go istio-bootstrap
  dir=$(go mod download -json "istio.io/istio@$ISTIO_MODULE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { echo "install-tools: could not download istio.io/istio@$ISTIO_MODULE_VERSION" >&2; return 1; }
  mkdir -p "$(dirname "$dest")"
  cp "$dir/tools/packaging/common/envoy_bootstrap.json" "$dest" && chmod 644 "$dest"
  echo "$ISTIO_MODULE_VERSION" >"$dest.version"
  echo "install-tools: copied istio-bootstrap ($ISTIO_MODULE_VERSION)"
}

# Why a version at link time: istiod and pilot-agent report it to each other and to people (istioctl proxy-status).
ISTIO_LDFLAGS="-X istio.io/istio/pkg/version.buildVersion=$ISTIO_VERSION-mesh-demo"

for want in "${@:-all}"; do
  case $want in
    all)
      build helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
      build kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
      build istioctl "istio.io/istio/istioctl/cmd/istioctl@$ISTIO_MODULE_VERSION" ;;
    helm) build helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" ;;
    kubeconform) build kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" ;;
    istioctl) build istioctl "istio.io/istio/istioctl/cmd/istioctl@$ISTIO_MODULE_VERSION" ;;
    jaeger) build_in_module jaeger "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" ./cmd/jaeger ;;
    compose) build_compose ;;
    pilot-agent) build pilot-agent "istio.io/istio/pilot/cmd/pilot-agent@$ISTIO_MODULE_VERSION" "$ISTIO_LDFLAGS" ;;
    local-istiod) build_local_istiod ;;
    istio-bootstrap) copy_istio_bootstrap ;;
    *) echo "install-tools: unknown tool $want (all, helm, kubeconform, istioctl, jaeger, compose, pilot-agent, local-istiod, istio-bootstrap)" >&2; exit 2 ;;
  esac
done
exit 0
