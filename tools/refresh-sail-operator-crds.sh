#!/usr/bin/env bash
# Copies, per Service Mesh 3 minor, the CRDs install/ossm3 uses from that minor's operator bundle into charts/tests/schemas/operators/sail-operator-3.<minor>/, each with its source in a header; run by hand (CI only reads the copies).
# Usage: tools/refresh-sail-operator-crds.sh GIT_DIR [MINOR...]
#   GIT_DIR  a clone of https://github.com/openshift-service-mesh/sail-operator (bare is fine) that has its release-3.<minor>
#            branches, e.g. from: git clone --bare https://github.com/openshift-service-mesh/sail-operator /tmp/sail-operator.git
#   MINOR    3.1, 3.2, ...; default: every minor already vendored. A new minor also needs its row in install/README.md's
#            support matrix (charts/tests/test/install-matrix.test.ts fails until both agree).
# Why the bundle (bundle/manifests/) and not chart/crds: the bundle is what OLM installs from the redhat-operators
# catalog, so its spec.version enum is exactly what that minor's operator accepts.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
vendor="$root/charts/tests/schemas/operators"
# The kinds install/ossm3 creates that the operator's bundle defines: Istio, IstioCNI, IstioRevisionTag, Telemetry.
files="sailoperator.io_istios sailoperator.io_istiocnis sailoperator.io_istiorevisiontags telemetry.istio.io_telemetries"

[ $# -ge 1 ] || { sed -n '3,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
git_dir=$1
shift
minors=("$@")
if [ ${#minors[@]} -eq 0 ]; then
  for d in "$vendor"/sail-operator-3.*/; do minors+=("$(basename "$d" | sed 's/^sail-operator-//')"); done
fi
[ ${#minors[@]} -gt 0 ] || { echo "refresh-sail-operator-crds: no minor named and none vendored yet" >&2; exit 2; }

for minor in "${minors[@]}"; do
  branch=release-$minor
  # A bare clone has the branch itself; an ordinary clone may only have origin's.
  ref=
  for candidate in "refs/heads/$branch" "refs/remotes/origin/$branch"; do
    if git -C "$git_dir" rev-parse --verify --quiet "$candidate^{commit}" >/dev/null; then ref=$candidate; break; fi
  done
  [ -n "$ref" ] || { echo "refresh-sail-operator-crds: $git_dir has no branch $branch" >&2; exit 1; }
  commit=$(git -C "$git_dir" rev-parse "$ref^{commit}")
  date=$(git -C "$git_dir" log -1 --format=%cs "$commit")
  bundle=$(git -C "$git_dir" show "$commit:bundle/manifests/servicemeshoperator3.clusterserviceversion.yaml" | sed -n 's/^  version: //p')
  out="$vendor/sail-operator-$minor"
  mkdir -p "$out"
  rows=
  for f in $files; do
    path=bundle/manifests/$f.yaml
    text=$(git -C "$git_dir" show "$commit:$path")
    kind=$(sed -n 's/^    kind: //p' <<<"$text" | head -n1)
    [ -n "$kind" ] || { echo "refresh-sail-operator-crds: no spec.names.kind in $branch:$path" >&2; exit 1; }
    {
      echo "# Service Mesh $minor's $kind CRD, from its operator bundle (v$bundle on that branch), for validating install/ossm3 against this minor offline."
      echo "# Copied unchanged below these two lines from openshift-service-mesh/sail-operator, branch $branch, commit $commit ($date), $path; refreshed by tools/refresh-sail-operator-crds.sh."
      printf '%s\n' "$text"
    } >"$out/$f.crd.yaml"
    rows="$rows| $f.crd.yaml | $kind | \`$path\` |"$'\n'
  done
  {
    echo "<!-- Where this directory's CRDs come from: written by tools/refresh-sail-operator-crds.sh, edit that instead. -->"
    echo "# Service Mesh $minor CRDs"
    echo
    echo "Copied unchanged (Apache-2.0) from [openshift-service-mesh/sail-operator](https://github.com/openshift-service-mesh/sail-operator),"
    echo "branch \`$branch\`, commit \`$commit\` ($date): the operator bundle (\`bundle/manifests\`, v$bundle on that"
    echo "commit) of the release branch behind the \`stable-$minor\` channel. Each file's first two lines say the same; the"
    echo "rest is the file as it is there."
    echo
    echo "| File | Kind | Path in the repository |"
    echo "|---|---|---|"
    printf '%s' "$rows"
  } >"$out/README.md"
  echo "refresh-sail-operator-crds: $minor from $branch at ${commit:0:12} ($date), bundle v$bundle"
done
