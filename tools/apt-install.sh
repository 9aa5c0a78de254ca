#!/usr/bin/env bash
# The one apt-get of the CI parts: installs the Debian packages named (apt-get options such as --no-install-recommends
# pass through) without starting their services, refreshing the package lists at most once per run of this script.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: apt-install.sh [apt-get install option...] PACKAGE..." >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive

# No init system here, and the parts start what they need themselves: policy-rc.d keeps maintainer scripts from
# starting services (dockerd, prometheus, the registry). Removed again only if this script put it there.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi

echo "apt-install: $*"
# Install from the lists already on the machine first: a fresh `apt-get update` costs tens of seconds and is only
# needed when those lists are missing or stale (the install then fails and is tried once more after the update).
apt-get install -y -qq "$@" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; }
