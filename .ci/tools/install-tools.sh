#!/usr/bin/env bash
# Builds helm, kubeconform and istioctl from the Go module proxy into .tools/bin; idempotent (a binary with a matching stamp is kept).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=versions.sh
. "$root/.ci/tools/versions.sh"
bin="$root/.tools/bin"
logs="$root/.tools/logs"
mkdir -p "$bin" "$logs"
export GOBIN="$bin" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

build() { # name module@version: go install unless .tools/bin/<name>.version already records that version
  local name=$1 spec=$2 stamp="$bin/$1.version" start
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$spec" ]; then
    echo "install-tools: $name up to date ($spec)"
    return 0
  fi
  echo "install-tools: building $name from $spec (log: .tools/logs/$name.log)"
  start=$(date +%s)
  if ! go install "$spec" >"$logs/$name.log" 2>&1; then
    tail -20 "$logs/$name.log" >&2
    echo "install-tools: FAILED to build $name from $spec" >&2
    return 1
  fi
  echo "$spec" >"$stamp"
  echo "install-tools: built $name in $(( $(date +%s) - start ))s"
}

want=${1:-all}
[ "$want" = all ] || [ "$want" = helm ] && build helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
[ "$want" = all ] || [ "$want" = kubeconform ] && build kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
[ "$want" = all ] || [ "$want" = istioctl ] && build istioctl "istio.io/istio/istioctl/cmd/istioctl@$ISTIO_MODULE_VERSION"
exit 0
