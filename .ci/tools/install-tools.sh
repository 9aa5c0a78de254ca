#!/usr/bin/env bash
# Builds the chart's tools (helm, kubeconform, istioctl: `all`, the default) or jaeger (by name) from the Go module proxy
# into .tools/bin; idempotent (a binary with a matching version stamp is kept).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=versions.sh
. "$root/.ci/tools/versions.sh"
bin="$root/.tools/bin"
logs="$root/.tools/logs"
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

build() { # name module@version: go install
  local name=$1 spec=$2 start status=0
  up_to_date "$name" "$spec" && return 0
  echo "install-tools: building $name from $spec (log: .tools/logs/$name.log)"
  start=$(date +%s)
  go install "$spec" >"$logs/$name.log" 2>&1 || status=$?
  built "$name" "$spec" "$start" "$status"
}

build_in_module() { # name module@version package: go build inside the downloaded module, for a go.mod with replace
  # directives (go install refuses those; a build inside the module honours them)
  local name=$1 spec=$2 package=$3 start status=0 dir
  up_to_date "$name" "$spec" && return 0
  echo "install-tools: building $name from $spec (log: .tools/logs/$name.log; minutes the first time, the Go cache makes it quick after)"
  start=$(date +%s)
  dir=$(go mod download -json "$spec" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { echo "install-tools: could not download $spec" >&2; return 1; }
  (cd "$dir" && GOFLAGS="$GOFLAGS -mod=readonly" go build -o "$bin/$name.part" "$package") >"$logs/$name.log" 2>&1 \
    && mv "$bin/$name.part" "$bin/$name" || status=$?
  built "$name" "$spec" "$start" "$status"
}

want=${1:-all}
[ "$want" = all ] || [ "$want" = helm ] && build helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
[ "$want" = all ] || [ "$want" = kubeconform ] && build kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
[ "$want" = all ] || [ "$want" = istioctl ] && build istioctl "istio.io/istio/istioctl/cmd/istioctl@$ISTIO_MODULE_VERSION"
[ "$want" = jaeger ] && build_in_module jaeger "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" ./cmd/jaeger
exit 0
