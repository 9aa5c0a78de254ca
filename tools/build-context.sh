#!/usr/bin/env bash
# Writes the image build's context as one tar, for `oc start-build <service> --from-archive=<tar>`: what the Dockerfile reads.
# Why not --from-dir=.: that uploads the whole working tree but .git, node_modules and .tools included (from 200 MB to
# gigabytes with the mesh's tools), once per service. This is what `docker build .` sends after .dockerignore, taken from
# the checked-out commit's tracked files (so an edit is built once committed); charts/tests/test/build-context.test.ts
# holds it to the Dockerfile's COPY lines.
#
# Usage: bash tools/build-context.sh OUT.tar
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash tools/build-context.sh OUT.tar" >&2; exit 2; }
out=$1
case $out in /*) ;; *) out=$PWD/$out ;; esac
cd "$(dirname "$0")/.."

# Each .dockerignore pattern becomes a pathspec that leaves out what it matches and, as Docker does, everything under it.
# git's glob magic reads * ** ? as .dockerignore does (a * never crosses a /, **/ is any number of directories).
excludes=()
while IFS= read -r pattern || [ -n "$pattern" ]; do
  pattern=${pattern%"${pattern##*[![:space:]]}"}
  case $pattern in
    '' | '#'*) continue ;;
    '!'*) echo "build-context: .dockerignore exceptions (!$pattern) are not handled here" >&2; exit 1 ;;
  esac
  pattern=${pattern#/}
  excludes+=(":(exclude,glob)$pattern" ":(exclude,glob)$pattern/**")
done <.dockerignore

git archive --format=tar --output="$out" HEAD -- . "${excludes[@]}"
echo "build-context: $out ($(du -k "$out" | cut -f1) KiB, $(tar -tf "$out" | grep -vc '/$') files)"
