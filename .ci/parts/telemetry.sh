#!/usr/bin/env bash
# Telemetry e2e against the real things: installs Jaeger v2 (built from the Go module) and Debian's Prometheus, then runs the tests.
# budget: 6 (minutes, read by .ci/run): 48 s on a fresh clone with Jaeger built; Debian's Prometheus adds about a minute
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

bash tools/install-tools.sh jaeger

if ! command -v prometheus >/dev/null; then
  echo "telemetry: installing Debian's prometheus (only the binary is used; the tests run it on 127.0.0.1 with their own config)"
  bash tools/apt-install.sh --no-install-recommends prometheus
fi

export JAEGER_BIN="$root/.tools/bin/jaeger"
./pnpmw build
./pnpmw --filter @mesh-demo/e2e run test:telemetry
