#!/usr/bin/env bash
# Telemetry e2e against the real things: installs Jaeger v2 (built from the Go module) and Debian's Prometheus, then runs the tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
mkdir -p .tools/bin

jaeger_version=v1.76.0
if [ -x .tools/bin/jaeger ]; then
  echo "telemetry: jaeger present in .tools/bin"
elif command -v jaeger >/dev/null; then
  ln -sf "$(command -v jaeger)" .tools/bin/jaeger
elif [ -x "$HOME/go/bin/jaeger" ]; then
  ln -sf "$HOME/go/bin/jaeger" .tools/bin/jaeger
else
  command -v go >/dev/null || { echo "telemetry: need Go to build Jaeger" >&2; exit 1; }
  echo "telemetry: building jaeger $jaeger_version (first time takes minutes; the Go build cache makes it quick after)"
  # Why not `go install ...@version`: Jaeger's go.mod has replace directives, which go install refuses; building inside
  # the downloaded module honours them.
  dir=$(go mod download -json "github.com/jaegertracing/jaeger@$jaeger_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { echo "telemetry: could not download the jaeger module" >&2; exit 1; }
  (cd "$dir" && go build -o "$root/.tools/bin/jaeger" ./cmd/jaeger)
fi

if ! command -v prometheus >/dev/null; then
  echo "telemetry: installing Debian's prometheus (only the binary is used; the tests run it on 127.0.0.1 with their own config)"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps the package from starting its system service.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

export JAEGER_BIN="$root/.tools/bin/jaeger"
./pnpmw build
./pnpmw --filter @mesh-demo/e2e run test:telemetry
