#!/usr/bin/env bash
# CI part: offline proof of charts/mesh-demo and install/: builds the tools, then with Helm 3 and again with Helm 4 helm
# lint, helm template of every example, kubeconform, istioctl analyze and the semantic tests, and checks that both Helms
# render the same manifests. Runs every stage it can, prints one summary line per stage, and exits non-zero if any
# failed. Needs only the Go module proxy and the npm registry. CHART_OUT: where the rendered sets go (.tools/rendered).
# budget: 10 (minutes, read by .ci/run): measured cold (empty Go caches, 2 idle cores) helm 71 s, kubeconform 3 s,
# istioctl 199 s, then about 40 s of checks; 56 s warm. Helm 4 added helm4's cold build, 151 s (measured beside other
# builds on the 2 cores, where helm took 101 s), and its half of the checks: 65 s warm (86 s beside other work), so
# about 8.5 min cold in all
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 1
# shellcheck source=../lib/stage.sh
. .ci/lib/stage.sh
chart=charts/mesh-demo
rendered=${CHART_OUT:-.tools/rendered}
bin=$root/.tools/bin

use_helm() { # major (3 or 4): the helm binary (also the semantic tests' $HELM) and rendered dir of the stages after it
  case $1 in
    3) HELM=$bin/helm ;;
    4) HELM=$bin/helm4 ;;
    *) echo "use_helm: no Helm $1 here (3 or 4)" >&2; return 1 ;;
  esac
  export HELM
  out=$rendered/helm$1
}

# Rendered sets: every example alone, and every walkthrough/scenario step again on the ossm2 flavor.
render_all() {
  rm -rf "$out" && mkdir -p "$out"
  local f name rc=0
  for f in "$chart"/examples/*.yaml; do
    name=$(basename "$f" .yaml)
    "$HELM" template demo "$chart" --namespace demo -f "$f" >"$out/$name.yaml" || { echo "helm template failed: $f"; rc=1; }
    case $name in
      flavor-*|platform-*|01-plain) ;;
      *) "$HELM" template demo "$chart" --namespace demo -f "$chart/examples/flavor-ossm2.yaml" -f "$f" >"$out/ossm2+$name.yaml" \
           || { echo "helm template failed: ossm2 + $f"; rc=1; } ;;
    esac
  done
  "$HELM" template demo "$chart" --namespace demo >"$out/defaults.yaml" || rc=1
  echo "rendered $(ls "$out" | wc -l) manifest sets into $out"
  return $rc
}

lint_clean() { # log [helm lint option...]: helm lint --strict of the chart into log; 0 when clean
  local log=$1
  shift
  # helm lint downgrades the chart's own `fail` calls to an INFO log line, so look for them too: Helm 3 writes
  # "[INFO] Fail: <message>", Helm 4 'level=INFO msg="funcMap fail" message="<message>"'.
  "$HELM" lint --strict "$chart" "$@" >"$log" 2>&1 && ! grep -Eq '\[INFO\] Fail:|msg="funcMap fail"' "$log"
}

lint_all() {
  local f rc=0 log
  log=$(mktemp)
  lint_clean "$log" || { cat "$log"; echo "lint failed: the chart's defaults"; rc=1; }
  for f in "$chart"/examples/*.yaml; do
    if ! lint_clean "$log" -f "$f"; then
      cat "$log"
      echo "lint failed: $f"
      rc=1
    fi
  done
  # Negative control: lint exits 0 when a template calls `fail`, so only the log check can catch one; it must.
  if lint_clean "$log" --set ports.shadow=8080 || ! grep -q 'must all differ' "$log"; then
    cat "$log"
    echo "negative control: lint let the chart's own fail (ports.shadow = ports.http) through, or failed for another reason"
    rc=1
  else
    echo "negative control: lint catches the chart's own fail (ports.shadow = ports.http), as it should"
  fi
  rm -f "$log"
  [ $rc -eq 0 ] && echo "lint: chart and $(ls "$chart"/examples/*.yaml | wc -l) examples clean"
  return $rc
}

kubeconform_run() {
  "$bin/kubeconform" -summary -output text -schema-location "$root/.tools/schemas/{{ .Group }}/{{ .ResourceKind }}-{{ .ResourceAPIVersion }}.json" "$@"
}

# Negative control: a schema check that passes everything proves nothing, so an edited manifest must be refused.
must_refuse() { # source-manifest sed-expression what-it-breaks [kubeconform option...]
  local source=$1 expr=$2 what=$3 bad status=0
  shift 3
  bad=$(mktemp --suffix=.yaml)
  sed -e "$expr" "$source" >"$bad"
  if cmp -s "$source" "$bad"; then
    echo "negative control: '$expr' changed nothing in $source"
    status=1
  elif kubeconform_run "$@" "$bad" >/dev/null 2>&1; then
    echo "negative control: kubeconform accepted $what (schemas not strict, or missing?)"
    status=1
  else
    echo "negative control: kubeconform refuses $what, as it should"
  fi
  rm -f "$bad"
  return $status
}

schemas_validate() {
  kubeconform_run "$out"/*.yaml || return 1
  must_refuse "$out/04b-mirror-customer-50.yaml" 's/mirrorPercentage:/mirror_percent:/' 'the dead mirror_percent field' || return 1
  # The same for OpenShift's own kinds (from openshift/api's OpenAPI, not a CRD).
  must_refuse "$out/build-in-cluster.yaml" 's/dockerfilePath:/dockerFilePath:/' "a BuildConfig's misspelt dockerFilePath"
}

# install/: every document of every manifest, strictly, against its kind's schema (Kubernetes', or its operator's CRD).
install_validate() {
  local files rc=0 file expr bad
  mapfile -t files < <(find install -name '*.yaml' | sort)
  [ ${#files[@]} -gt 0 ] || { echo "no manifests under install/"; return 1; }
  kubeconform_run -strict "${files[@]}" || rc=1
  # The RevisionBased control plane install/README.md makes with this sed must be valid too (and must be made at all).
  local to_revision_based='s/type: InPlace/type: RevisionBased/' control_plane=install/ossm3/10-control-plane.yaml
  bad=$(mktemp --suffix=.yaml)
  if ! grep -qF "sed '$to_revision_based' $control_plane" install/README.md; then
    echo "install/README.md no longer makes the RevisionBased variant with sed '$to_revision_based' $control_plane"
    rc=1
  elif ! sed -e "$to_revision_based" "$control_plane" >"$bad" || ! grep -q 'type: RevisionBased' "$bad" \
    || ! kubeconform_run -strict "$bad" >/dev/null; then
    echo "the README's RevisionBased variant of $control_plane does not come out valid"
    rc=1
  fi
  # Negative controls, one per schema source: a misspelt field must be refused, or a passing check proves nothing.
  while IFS='|' read -r file expr; do
    must_refuse "$file" "$expr" "$file with '$expr'" -strict || rc=1
  done <<'CONTROLS'
install/ossm3/00-operators.yaml|s/installPlanApproval:/installPlanAproval:/
install/ossm3/10-control-plane.yaml|s/updateStrategy:/updatestrategy:/
install/ossm3/10-control-plane.yaml|s/randomSamplingPercentage:/randomSamplingPercent:/
install/ossm3/revision-based/istio-revision-tag.yaml|s/targetRef:/target:/
install/ossm3/30-observability.yaml|s/podMetricsEndpoints:/podMetricEndpoints:/
install/ossm3/30-observability.yaml|s/storageSize:/storagesize:/
install/ossm3/30-observability.yaml|s/use_kiali_token:/use_kiali_tokens:/
install/ossm3/30-observability.yaml|s/mode: deployment/mode: deploy/
install/ossm2/10-control-plane.yaml|s/openshiftRoute:/openshiftRoutes:/
install/ossm2/10-control-plane.yaml|s/members:/member:/
install/ossm2/10-control-plane.yaml|s/extensionProviders:/extensionProvider:/
CONTROLS
  rm -f "$bad"
  return $rc
}

istio_analyze() {
  local f rc=0
  for f in "$out"/*.yaml; do
    case $(basename "$f") in 01-plain.yaml|platform-*) continue ;; esac
    if ! "$bin/istioctl" analyze --use-kube=false --all-namespaces --failure-threshold Warning "$f" >"$f.analyze" 2>&1; then
      echo "istioctl analyze found issues in $f:"
      cat "$f.analyze"
      rc=1
    else
      echo "ok: $(basename "$f")"
    fi
  done
  # Negative control: the analyzer must catch a route to a subset its DestinationRule lacks (the old demo's v1/version-v1 fault).
  local bad
  bad=$(mktemp --suffix=.yaml)
  sed -e 's/subset: v2/subset: version-v2/' "$out/03a-blue-green-50-50.yaml" >"$bad"
  if "$bin/istioctl" analyze --use-kube=false --all-namespaces --failure-threshold Warning "$bad" >/dev/null 2>&1; then
    echo "negative control: istioctl analyze missed a dangling subset"
    rc=1
  else
    echo "negative control: istioctl analyze refuses a dangling subset, as it should"
  fi
  rm -f "$bad"
  return $rc
}

# Helm 4 keeps the newline that ends a document (its separator no longer swallows the whitespace before ---), so its
# output has a blank line after most documents where Helm 3's has none. Only such lines, blank lines right before a ---
# or at the end, are dropped before comparing; every other byte must match.
trim_document_ends() { # file
  awk '/^[[:space:]]*$/ { held = held $0 "\n"; next } /^---([[:space:]]|$)/ { held = "" } { printf "%s%s\n", held, $0; held = "" }' "$1"
}

same_sets() { # dir-a dir-b: 0 when both hold the same rendered sets, each the same once document ends are trimmed
  local a=$1 b=$2 f name rc=0 diffs
  [ -n "$(ls "$a"/*.yaml 2>/dev/null)" ] || { echo "no rendered sets in $a"; return 1; }
  if ! diff <(cd "$a" && ls -- *.yaml 2>/dev/null) <(cd "$b" && ls -- *.yaml 2>/dev/null) >/dev/null 2>&1; then
    echo "$a and $b do not hold the same rendered sets"
    rc=1
  fi
  diffs=$(mktemp)
  for f in "$a"/*.yaml; do
    name=$(basename "$f")
    [ -f "$b/$name" ] || continue
    if ! diff -u <(trim_document_ends "$f") <(trim_document_ends "$b/$name") >"$diffs"; then
      echo "$name differs between $a and $b:"
      head -20 "$diffs"
      rc=1
    fi
  done
  rm -f "$diffs"
  return $rc
}

same_renders() {
  local helm3=$rendered/helm3 helm4=$rendered/helm4 changed rc=0
  same_sets "$helm3" "$helm4" && echo "helm v3 and v4 render the same $(ls "$helm3"/*.yaml | wc -l) manifest sets" || rc=1
  # Negative control: one changed value in one set must show as a difference.
  changed=$(mktemp -d)
  cp "$helm4"/*.yaml "$changed/"
  sed -i -e 's/weight: 50$/weight: 51/' "$changed/03a-blue-green-50-50.yaml"
  if cmp -s "$helm4/03a-blue-green-50-50.yaml" "$changed/03a-blue-green-50-50.yaml"; then
    echo "negative control: the sed changed nothing in 03a-blue-green-50-50.yaml"
    rc=1
  elif same_sets "$helm3" "$changed" >/dev/null; then
    echo "negative control: the comparison missed a weight changed from 50 to 51"
    rc=1
  else
    echo "negative control: the comparison catches a weight changed from 50 to 51, as it should"
  fi
  rm -rf "$changed"
  return $rc
}

semantic_tests() {
  "$root/pnpmw" --filter @mesh-demo/chart-tests test
}

typecheck() {
  "$root/pnpmw" --filter @mesh-demo/chart-tests typecheck && echo "typecheck: charts/tests clean"
}

# Tools first: without them nothing else can run, so stop at the first failure here.
stage "chart: pnpm install" "$root/pnpmw" install --frozen-lockfile || exit 1
stage "chart: build tools (helm v3, helm v4, kubeconform, istioctl)" bash tools/install-tools.sh || { stage_summary; exit 1; }
stage "chart: build kubeconform schemas (Kubernetes, Istio, Gateway API, Route, Maistra, the operators' CRDs)" bash .ci/lib/build-schemas.sh || { stage_summary; exit 1; }
# The chart supports both Helm majors, so each one gets the whole proof of the chart.
for major in 3 4; do
  use_helm "$major"
  stage "chart (helm v$major): helm lint --strict (chart and every example)" lint_all
  stage "chart (helm v$major): helm template (every example, and each step on ossm2)" render_all
  stage "chart (helm v$major): kubeconform (every rendered object)" schemas_validate
  stage "chart (helm v$major): istioctl analyze (every rendered mesh set)" istio_analyze
  stage "chart (helm v$major): semantic tests (node:test)" semantic_tests
done
stage "chart: helm v3 and v4 render the same manifests (every rendered set)" same_renders
stage "chart: install manifests (kubeconform -strict against the operators' CRDs)" install_validate
stage "chart: install manifests against each Service Mesh 3 minor's CRDs (install/README.md's support matrix)" bash .ci/lib/install-matrix.sh
stage "chart: typecheck charts/tests (tsc, strict)" typecheck

echo
echo "=== chart summary"
stage_summary
if stage_summary | grep -q '^FAIL'; then
  echo "chart: FAILED"
  exit 1
fi
echo "chart: all stages passed"
