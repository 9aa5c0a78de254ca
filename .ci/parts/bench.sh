#!/usr/bin/env bash
# CI part: the benchmark's quick mode on a fresh clone, so the harness cannot rot. It asserts nothing about speed.
# budget: 3 (minutes, read by .ci/run): 81 s on a fresh clone (Jaeger already built by the tools stage), plus about
# 24 s for the overload phase's quick run (8 s of load, 10 s after)
set -euo pipefail
cd "$(dirname "$0")/../.."

# Jaeger for the traced modes, only when they will run (without the telemetry package they are skipped anyway).
if [ -d packages/telemetry ] && command -v go >/dev/null; then bash tools/install-tools.sh jaeger; fi

# Quick mode writes to bench/out/ (gitignored), so committed results stay as the last full run left them.
rm -rf bench/out
./pnpmw bench --quick
for file in results.json RESULTS.md scaling.svg; do
  [ -s "bench/out/$file" ] || { echo "bench: bench/out/$file was not written" >&2; exit 1; }
done
echo "bench: quick run wrote bench/out/{results.json,RESULTS.md,scaling.svg}"
