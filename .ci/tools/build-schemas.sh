#!/usr/bin/env bash
# Downloads the pinned schema sources (Go modules) and turns them into kubeconform schemas under .tools/schemas; idempotent.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=versions.sh
. "$root/.ci/tools/versions.sh"
out="$root/.tools/schemas"
stamp="$out/.sources"
sources="$K8S_MODULE_VERSION $ISTIO_API_VERSION $GATEWAY_API_VERSION $OPENSHIFT_API_VERSION $(sha256sum "$root/charts/tests/schemas/"*.yaml "$root/charts/tests/src/build-schemas.ts" | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sources" ]; then
  echo "build-schemas: .tools/schemas up to date"
  exit 0
fi

moddir() { # module@version -> its directory in the module cache (downloading it if needed)
  # Run outside any go.mod, so a Go module added to the repo later cannot change what gets resolved.
  (cd /tmp && GOTOOLCHAIN=local go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}
k8s=$(moddir "k8s.io/kubernetes@$K8S_MODULE_VERSION")
istio=$(moddir "istio.io/api@$ISTIO_API_VERSION")
gw=$(moddir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
os=$(moddir "github.com/openshift/api@$OPENSHIFT_API_VERSION")
for d in "$k8s" "$istio" "$gw" "$os"; do [ -d "$d" ] || { echo "build-schemas: module download failed" >&2; exit 1; }; done

crds="$istio/kubernetes/customresourcedefinitions.gen.yaml"
for f in "$gw"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do crds="$crds:$f"; done
crds="$crds:$os/route/v1/zz_generated.crd-manifests/routes.crd.yaml"
for f in "$root"/charts/tests/schemas/*.crd.yaml; do crds="$crds:$f"; done

rm -rf "$out"
K8S_SWAGGER="$k8s/api/openapi-spec/swagger.json" CRD_FILES="$crds" \
  "$root/pnpmw" --silent --filter @mesh-demo/chart-tests exec node src/build-schemas.ts "$out"
echo "$sources" >"$stamp"
