#!/usr/bin/env bash
# install/ossm3 against each Service Mesh 3 minor's own CRDs: the files as they are against the newest minor, install/README.md's variant for every other row of its support matrix against that row's minor, and each minor's Istio version refused by every older minor (the negative control).
# Needs .tools/bin/kubeconform and .tools/schemas (tools/install-tools.sh, .ci/lib/build-schemas.sh); builds the
# per-minor schemas itself (.ci/lib/build-sail-schemas.sh). chart.sh runs it as a stage; it also runs alone.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 1
kubeconform=$root/.tools/bin/kubeconform
readme=install/README.md
operators=install/ossm3/00-operators.yaml
control_plane=install/ossm3/10-control-plane.yaml
[ -x "$kubeconform" ] || { echo "install-matrix: no $kubeconform (run tools/install-tools.sh)"; exit 1; }
[ -d .tools/schemas/v1 ] || { echo "install-matrix: no .tools/schemas (run .ci/lib/build-schemas.sh)"; exit 1; }
bash .ci/lib/build-sail-schemas.sh || exit 1

# Against one minor: its CRDs' schemas first, then the general ones for every other kind. A kind missing from the
# minor's directory would silently fall through to the upstream CRD, which accepts every Istio version: the loop below
# requires all four, and the negative controls would fail too.
validate() { # minor file...
  local minor=$1
  shift
  "$kubeconform" -strict -summary -output text \
    -schema-location "$root/.tools/schemas-sail/$minor/{{ .Group }}/{{ .ResourceKind }}-{{ .ResourceAPIVersion }}.json" \
    -schema-location "$root/.tools/schemas/{{ .Group }}/{{ .ResourceKind }}-{{ .ResourceAPIVersion }}.json" "$@"
}

# The matrix: rows "| 3.N ... | ... | `stable-3.N` | `v1.M-latest` | ... |", newest minor first.
mapfile -t rows < <(sed -n 's/^| \(3\.[0-9]*\)[^|]*|[^|]*| `\(stable-3\.[0-9]*\)` | `\(v1\.[0-9]*-latest\)` |.*/\1 \2 \3/p' "$readme" | sort -t. -k2,2nr)
[ ${#rows[@]} -ge 2 ] || { echo "install-matrix: $readme has no support matrix rows (| 3.N | ... | \`stable-3.N\` | \`v1.M-latest\` |)"; exit 1; }
read -r newest newest_channel newest_istio <<<"${rows[0]}"

rc=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The README's commands, word for word; the variants below are made with exactly these expressions.
channel_expr="s/channel: $newest_channel/channel: \$channel/"
istio_expr="s/version: $newest_istio/version: \$istio/"
for line in "sed \"$channel_expr\" $operators | oc apply -f -" \
  "sed \"$istio_expr\" $control_plane | oc apply -f -" \
  "sed -e \"$istio_expr\" -e 's/type: InPlace/type: RevisionBased/' $control_plane | oc apply -f -" \
  "channel=stable istio=$newest_istio"; do
  grep -qF -- "$line" "$readme" || { echo "install-matrix: $readme no longer says: $line"; rc=1; }
done

# One minor's files: install/ossm3 with the README's two substitutions (none for the newest row), plus the RevisionBased
# control plane, in $scratch/<name>/.
make_variant() { # name channel istio
  local dir=$scratch/$1 channel=$2 istio=$3
  mkdir -p "$dir"
  (cd install && find ossm3 -name '*.yaml' -exec cp --parents {} "$dir" \;)
  sed -e "s/channel: $newest_channel/channel: $channel/" "$operators" >"$dir/ossm3/00-operators.yaml"
  sed -e "s/version: $newest_istio/version: $istio/" "$control_plane" >"$dir/ossm3/10-control-plane.yaml"
  sed -e "s/version: $newest_istio/version: $istio/" -e 's/type: InPlace/type: RevisionBased/' "$control_plane" \
    >"$dir/ossm3/10-control-plane-revision-based.yaml"
  # A substitution that no longer matches would validate the newest minor's files under another name.
  if [ "$channel" != "$newest_channel" ] && cmp -s "$operators" "$dir/ossm3/00-operators.yaml"; then
    echo "install-matrix: the $1 variant of $operators is the file itself: its sed matched nothing"
    rc=1
  fi
  if [ "$(grep -c "^ *version: $istio\$" "$dir/ossm3/10-control-plane.yaml")" != 2 ] \
    || ! grep -q "^ *type: RevisionBased\$" "$dir/ossm3/10-control-plane-revision-based.yaml"; then
    echo "install-matrix: the $1 variant of $control_plane does not set both versions to $istio: its sed matched nothing?"
    rc=1
  fi
}

for row in "${rows[@]}" "stable-channel stable $newest_istio"; do
  read -r minor channel istio <<<"$row"
  if [ "$minor" = stable-channel ]; then name=stable schemas=$newest; else name=$minor schemas=$minor; fi
  missing=
  for kind in sailoperator.io/istio sailoperator.io/istiocni sailoperator.io/istiorevisiontag telemetry.istio.io/telemetry; do
    [ -f ".tools/schemas-sail/$schemas/$kind-v1.json" ] || missing="$missing $kind"
  done
  if [ -n "$missing" ]; then
    echo "install-matrix: Service Mesh $schemas has no CRD for$missing (charts/tests/schemas/operators/sail-operator-$schemas)"
    rc=1
    continue
  fi
  make_variant "$name" "$channel" "$istio"
  echo "-- Service Mesh $schemas: channel $channel, Istio $istio"
  mapfile -t files < <(find "$scratch/$name" -name '*.yaml' | sort)
  validate "$schemas" "${files[@]}" || { echo "install-matrix: install/ossm3 for Service Mesh $schemas does not validate against its CRDs"; rc=1; }
done

# Negative controls: each minor's Istio version must be refused by every older minor's CRDs (Service Mesh 3.3's v1.28
# by 3.1's, and so on), so these checks can fail and do read each minor's own enum.
for ((i = 0; i < ${#rows[@]}; i++)); do
  read -r minor _ istio <<<"${rows[i]}"
  for ((j = i + 1; j < ${#rows[@]}; j++)); do
    read -r older _ _ <<<"${rows[j]}"
    if validate "$older" "$scratch/$minor/ossm3/10-control-plane.yaml" >/dev/null 2>&1; then
      echo "negative control: Service Mesh $older's CRDs accepted $istio (Service Mesh $minor's): its schemas are not its own?"
      rc=1
    else
      echo "negative control: Service Mesh $older's CRDs refuse $istio (Service Mesh $minor's), as they should"
    fi
  done
done
exit $rc
