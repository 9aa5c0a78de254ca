#!/usr/bin/env bash
# The local mesh for real, on the tools mesh-tools.sh built: e2e/mesh runs every example of the chart and the
# walkthrough's commands on a one-node Kubernetes with Istio installed by its charts, real istiod and real Envoy.
# budget: 30 (minutes, read by .ci/run): 1539 s in the last fresh-clone run, before the mesh container's part; the whole part 1318 s in the last fresh-clone run (e2e/mesh's 74 tests
# 1099 s, the bench's quick mesh phase about 2 min, e2e/cluster's 6 tests 6 s), before issue 23's chaos (9 tests,
# 186 s) and soak (3 tests, 86 s: 1 min at 50/s, MESH_SOAK_MINUTES); Debian's chromium on a fresh machine adds a minute.
set -euo pipefail
cd "$(dirname "$0")/../.."

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
# Before any mesh: the chart's Deployments under Helm 4's server-side apply on a bare etcd + kube-apiserver of its own
# (temp directory, free loopback ports, stopped by the test itself), against OpenShift's image trigger controller.
started=$SECONDS
./pnpmw --filter @mesh-demo/e2e run test:cluster
echo "mesh: e2e/cluster done after $((SECONDS - started)) s"
./pnpmw build
./pnpmw --filter @mesh-demo/e2e run test:mesh

# The bench's mesh phase, so its harness cannot rot (it asserts nothing about speed; figures go to bench/out/).
./pnpmw bench --quick --mesh-only
[ -s bench/out/MESH.md ] || { echo "mesh: bench/out/MESH.md was not written" >&2; exit 1; }
