# Pinned versions of the offline tool chain (chart tools, Jaeger) and schema sources; sourced by the other .ci scripts.
HELM_VERSION=v3.22.0
# Jaeger module v1.76.0 is the Jaeger v2.13.0 release (the docker-compose.yml default): the telemetry e2e, the bench and
# the compose stand-in image all run this one build.
JAEGER_MODULE_VERSION=v1.76.0
KUBECONFORM_VERSION=v0.8.0
# istio.io/istio has no semver tags in the Go module proxy; this pseudo-version is master of late August 2026 (VERSION file: 1.31)
# and is one of the few versions the proxy serves (the ones for the 1.28.0/1.29.0/1.30.0 tags answer 403).
ISTIO_MODULE_VERSION=v0.0.0-20260827124520-eed52ebb66ad
K8S_MODULE_VERSION=v1.34.2
ISTIO_API_VERSION=v1.28.0
GATEWAY_API_VERSION=v1.4.1
OPENSHIFT_API_VERSION=v0.0.0-20260420151639-34e60874783e
