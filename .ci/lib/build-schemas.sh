#!/usr/bin/env bash
# Downloads the pinned schema sources (Go modules) and turns them into kubeconform schemas under .tools/schemas; idempotent.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=versions.sh
. "$root/tools/versions.sh"
out="$root/.tools/schemas"
stamp="$out/.sources"
# The CRDs of the operators install/ subscribes to (Istio, IstioCNI, Kiali, ServiceMeshControlPlane,
# OpenTelemetryCollector): no package registry serves them, so copies of them live in the repo, sources in their README.
operators="$root/charts/tests/schemas/operators"
sources="$K8S_MODULE_VERSION $ISTIO_API_VERSION $GATEWAY_API_VERSION $OPENSHIFT_API_VERSION $OPERATOR_FRAMEWORK_API_VERSION"
sources="$sources $PROMETHEUS_OPERATOR_VERSION $TEMPO_OPERATOR_VERSION $(sha256sum "$root/charts/tests/schemas/"*.yaml "$operators/"*.crd.yaml \
  "$root/charts/tests/src/build-schemas.ts" | cut -d' ' -f1 | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sources" ]; then
  echo "build-schemas: .tools/schemas up to date"
  exit 0
fi

download() { # module@version -> `go mod download -json` of it (downloading it if needed)
  # Run outside any go.mod, so a Go module added to the repo later cannot change what gets resolved.
  (cd /tmp && GOTOOLCHAIN=local go mod download -json "$1")
}
field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\$/\1/p"; } # name: that string field of the JSON on stdin
moddir() { download "$1" | field Dir; } # module@version -> its directory in the module cache
k8s=$(moddir "k8s.io/kubernetes@$K8S_MODULE_VERSION")
istio=$(moddir "istio.io/api@$ISTIO_API_VERSION")
gw=$(moddir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
os=$(moddir "github.com/openshift/api@$OPENSHIFT_API_VERSION")
olm=$(moddir "github.com/operator-framework/api@$OPERATOR_FRAMEWORK_API_VERSION")
prom=$(moddir "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION")
tempo_json=$(GONOSUMDB=github.com/grafana/tempo-operator download "github.com/grafana/tempo-operator@$TEMPO_OPERATOR_VERSION")
tempo=$(field Dir <<<"$tempo_json")
if [ "$(field Sum <<<"$tempo_json")" != "$TEMPO_OPERATOR_SUM" ]; then
  echo "build-schemas: tempo-operator@$TEMPO_OPERATOR_VERSION is not the pinned $TEMPO_OPERATOR_SUM" >&2
  exit 1
fi
for d in "$k8s" "$istio" "$gw" "$os" "$olm" "$prom" "$tempo"; do [ -d "$d" ] || { echo "build-schemas: module download failed" >&2; exit 1; }; done

crds="$istio/kubernetes/customresourcedefinitions.gen.yaml"
for f in "$gw"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do crds="$crds:$f"; done
crds="$crds:$os/route/v1/zz_generated.crd-manifests/routes.crd.yaml"
for f in "$root"/charts/tests/schemas/*.crd.yaml "$operators"/*.crd.yaml; do crds="$crds:$f"; done
crds="$crds:$olm/crds/operators.coreos.com_subscriptions.yaml:$olm/crds/operators.coreos.com_operatorgroups.yaml"
crds="$crds:$prom/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
crds="$crds:$prom/example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml"
crds="$crds:$tempo/config/crd/bases/tempo.grafana.com_tempostacks.yaml"

rm -rf "$out"
K8S_SWAGGER="$k8s/api/openapi-spec/swagger.json" CRD_FILES="$crds" OPENSHIFT_OPENAPI="$os/openapi/openapi.json" \
  "$root/pnpmw" --silent --filter @mesh-demo/chart-tests exec node src/build-schemas.ts "$out"
echo "$sources" >"$stamp"
