#!/usr/bin/env bash
# The local mesh for real: builds istiod and pilot-agent (the chart part already warmed the Go cache),
# fetches Envoy once, then e2e/mesh runs every Istio example through a real control plane and real Envoy proxies.
# budget: 14 (minutes, read by .ci/run)
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v iptables >/dev/null; then
  echo "mesh: installing Debian's iptables (the sidecars' traffic capture runs it inside each pod's namespace)"
  bash tools/apt-install.sh --no-install-recommends iptables
fi

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "mesh: installing Debian's chromium (e2e/mesh/view.test.ts reads the mesh view page in it, headless)"
  bash tools/apt-install.sh --no-install-recommends chromium
fi

cleanup() {
  local status=$?
  # Whatever a failed test left running; `down` also sweeps namespaces of a crashed supervisor.
  ./pnpmw -s mesh down >/dev/null 2>&1 || true
  exit $status
}
trap cleanup EXIT

# CI wants a machine with no mesh on it: one left by a checkout elsewhere (a live supervisor answers every clone's
# CLI, as /run/mesh-demo is per machine) would otherwise serve these tests with other code.
./pnpmw -s mesh down
started=$SECONDS
./pnpmw -s mesh tools
echo "mesh: tools ready after $((SECONDS - started)) s"
./pnpmw build
./pnpmw --filter @mesh-demo/e2e run test:mesh

# The bench's mesh phase, so its harness cannot rot (it asserts nothing about speed; figures go to bench/out/).
./pnpmw bench --quick --mesh-only
[ -s bench/out/MESH.md ] || { echo "mesh: bench/out/MESH.md was not written" >&2; exit 1; }
