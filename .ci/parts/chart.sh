#!/usr/bin/env bash
# CI part for the Helm chart: .ci/run runs every .ci/parts/*.sh; the chart's checks live in .ci/chart.sh.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../chart.sh"
