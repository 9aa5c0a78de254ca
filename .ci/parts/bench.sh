#!/usr/bin/env bash
# CI part: the benchmark's quick mode on a fresh clone, so the harness cannot rot. It asserts nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

# Jaeger (v2 all-in-one) for the traced modes, built from the Go module proxy into .tools/bin once. Its go.mod has
# replace directives, so `go install pkg@version` refuses it: build inside the downloaded module instead.
# Without the telemetry package the traced modes are skipped anyway, so Jaeger is only built when it will be used.
JAEGER_VERSION=v1.76.0
if [ -d packages/telemetry ] && [ ! -x .tools/bin/jaeger ] && command -v go >/dev/null; then
  echo "bench: building jaeger $JAEGER_VERSION into .tools/bin"
  dir=$(go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  mkdir -p .tools/bin
  [ -n "$dir" ] || { echo "bench: could not download the jaeger module" >&2; exit 1; }
  (cd "$dir" && GOFLAGS=-mod=readonly go build -o "$ROOT/.tools/bin/jaeger" ./cmd/jaeger)
fi

# Quick mode writes to bench/out/ (gitignored), so committed results stay as the last full run left them.
rm -rf bench/out
./pnpmw bench --quick
for file in results.json RESULTS.md scaling.svg; do
  [ -s "bench/out/$file" ] || { echo "bench: bench/out/$file was not written" >&2; exit 1; }
done
echo "bench: quick run wrote bench/out/{results.json,RESULTS.md,scaling.svg}"
