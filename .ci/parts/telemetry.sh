#!/usr/bin/env bash
# Telemetry e2e against the real things: installs Jaeger v2 (built from the Go module) and Debian's Prometheus, then runs the tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

bash .ci/tools/install-tools.sh jaeger

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
