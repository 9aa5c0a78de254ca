#!/usr/bin/env bash
# Telemetry e2e against the real things: installs Jaeger v2 (built from the Go module), Zipkin (a jar from Maven Central)
# with Java 17, Debian's Prometheus and chromium where missing, then runs the tests.
# budget: 3 (minutes, read by .ci/run): 66 s with all installed (its 31 tests 61 s); a fresh machine adds the Zipkin
# jar (2 s), Debian's Prometheus (about a minute) and, where missing, Java 17 and chromium (not measured: both were here)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

bash tools/install-tools.sh jaeger zipkin

if ! command -v java >/dev/null; then
  echo "telemetry: installing Debian's Java 17 runtime (Zipkin, the trace UI, runs on it)"
  bash tools/apt-install.sh --no-install-recommends openjdk-17-jre-headless
fi
if ! command -v prometheus >/dev/null; then
  echo "telemetry: installing Debian's prometheus (only the binary is used; the tests run it on 127.0.0.1 with their own config)"
  bash tools/apt-install.sh --no-install-recommends prometheus
fi
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "telemetry: installing Debian's chromium (e2e/telemetry/backends/trace-ui.test.ts reads Zipkin's page in it, headless)"
  bash tools/apt-install.sh --no-install-recommends chromium
fi

export JAEGER_BIN="$root/.tools/bin/jaeger"
./pnpmw build
./pnpmw --filter @mesh-demo/e2e run test:telemetry
