#!/usr/bin/env bash
# Turns each Service Mesh 3 minor's vendored CRDs (charts/tests/schemas/operators/sail-operator-3.<minor>/) into kubeconform schemas under .tools/schemas-sail/3.<minor>/; idempotent.
# Only those CRDs' kinds are written there: a check against one minor lists this directory first and .tools/schemas
# (build-schemas.sh) after it, for every other kind. Apart from .tools/schemas on purpose, as that one is rebuilt whole.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vendor="$root/charts/tests/schemas/operators"
out_root="$root/.tools/schemas-sail"
built=0
for dir in "$vendor"/sail-operator-3.*/; do
  minor=$(basename "$dir" | sed 's/^sail-operator-//')
  out="$out_root/$minor"
  crds=$(find "$dir" -name '*.crd.yaml' | sort | paste -sd:)
  [ -n "$crds" ] || { echo "build-sail-schemas: no *.crd.yaml in $dir" >&2; exit 1; }
  sources=$(sha256sum "${dir}"*.crd.yaml "$root/charts/tests/src/build-schemas.ts" | cut -d' ' -f1 | sha256sum | cut -c1-16)
  if [ -f "$out/.sources" ] && [ "$(cat "$out/.sources")" = "$sources" ]; then continue; fi
  rm -rf "$out"
  CRD_FILES="$crds" "$root/pnpmw" --silent --filter @mesh-demo/chart-tests exec node src/build-schemas.ts "$out"
  echo "$sources" >"$out/.sources"
  built=$((built + 1))
done
[ -d "$out_root" ] || { echo "build-sail-schemas: no sail-operator-3.* directory under $vendor" >&2; exit 1; }
echo "build-sail-schemas: $(find "$out_root" -mindepth 1 -maxdepth 1 -type d | wc -l) minors in .tools/schemas-sail ($built rebuilt)"
