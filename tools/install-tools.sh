#!/usr/bin/env bash
# Builds tools from the Go module proxy into .tools/bin: the chart's (helm, that is Helm 3, helm4, kubeconform, istioctl:
# `all`, the default), the local mesh's (`mesh`), or the ones named (jaeger; zipkin, a jar from Maven Central; compose; the local mesh's pilot-agent
# and istio-bootstrap; the local cluster's kube, coredns, pilot-discovery, istio-cni, etcd, istio-charts, routes-crd and
# gateway-api-crds); idempotent (a binary with a matching version stamp is kept).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.sh
. "$root/tools/versions.sh"
bin="$root/.tools/bin"
logs="$root/.tools/logs"
# Go's usual install place when it is not on PATH (CI's stages do not all add it); without Go, one line says so, and
# only when something has to be built.
command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
need_go() {
  command -v go >/dev/null && return 0
  echo "install-tools: go not found (on PATH or in /usr/local/go/bin), and $1 has to be built from its Go module" >&2
  exit 1
}
mkdir -p "$bin" "$logs"
export GOBIN="$bin" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

up_to_date() { # name spec: .tools/bin/<name> exists and its .version stamp records that spec
  if [ -x "$bin/$1" ] && [ "$(cat "$bin/$1.version" 2>/dev/null)" = "$2" ]; then
    echo "install-tools: $1 up to date ($2)"
    return 0
  fi
  return 1
}

built() { # name spec start status: report, and stamp on success
  if [ "$4" -ne 0 ]; then
    tail -20 "$logs/$1.log" >&2
    echo "install-tools: FAILED to build $1 from $2" >&2
    return 1
  fi
  echo "$2" >"$bin/$1.version"
  echo "install-tools: built $1 in $(( $(date +%s) - $3 ))s"
}

module_dir() { # module@version: where `go mod download` put it
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

build() { # name module@version [ldflags]: go install
  local name=$1 spec=$2 ldflags=${3:-} start status=0
  up_to_date "$name" "$spec${ldflags:+ $ldflags}" && return 0
  need_go "$name"
  echo "install-tools: building $name from $spec (log: .tools/logs/$name.log)"
  start=$(date +%s)
  go install ${ldflags:+-ldflags "$ldflags"} "$spec" >"$logs/$name.log" 2>&1 || status=$?
  built "$name" "$spec${ldflags:+ $ldflags}" "$start" "$status"
}

build_in_module() { # name module@version package [ldflags]: go build inside the downloaded module, for a go.mod with
  # replace directives (go install refuses those; a build inside the module honours them) or a main package whose
  # directory name is not the binary's (compose's is ./cmd; helm4's is ./cmd/helm, and go install would overwrite helm)
  local name=$1 spec=$2 package=$3 ldflags=${4:-} start status=0 dir
  up_to_date "$name" "$spec${ldflags:+ $ldflags}" && return 0
  need_go "$name"
  echo "install-tools: building $name from $spec (log: .tools/logs/$name.log; minutes the first time, the Go cache makes it quick after)"
  start=$(date +%s)
  dir=$(module_dir "$spec")
  [ -n "$dir" ] || { echo "install-tools: could not download $spec" >&2; return 1; }
  (cd "$dir" && GOFLAGS="$GOFLAGS -mod=readonly" go build ${ldflags:+-ldflags "$ldflags"} -o "$bin/$name.part" "$package") \
    >"$logs/$name.log" 2>&1 && mv "$bin/$name.part" "$bin/$name" || status=$?
  built "$name" "$spec${ldflags:+ $ldflags}" "$start" "$status"
}

build_compose() { # .tools/bin/docker-compose, also a docker CLI plugin under .tools/docker (DOCKER_CONFIG) for `docker compose`
  # Why the version at link time: `docker compose version` and the images' com.docker.compose.version label show it.
  build_in_module docker-compose "github.com/docker/compose/v2@$COMPOSE_VERSION" ./cmd \
    "-w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" || return 1
  mkdir -p "$root/.tools/docker/cli-plugins"
  ln -sfn ../../bin/docker-compose "$root/.tools/docker/cli-plugins/docker-compose"
}

# Why the full version at link time: a plain build says only "v3.21" or "v4.3" (the source's default) in `helm version`,
# and `.Capabilities.HelmVersion`; the release Makefiles stamp the patch version in the same variable.
helm_ldflags() { echo "-X helm.sh/helm/$1/internal/version.version=$2"; }

# Why a version at link time: istiod and pilot-agent report it to each other and to people (istioctl proxy-status).
ISTIO_LDFLAGS="-X istio.io/istio/pkg/version.buildVersion=$ISTIO_VERSION-mesh-demo"

# The local cluster's Kubernetes is tools/kubernetes, a module of ours requiring the pinned release: the pin and the
# module's requirement must name the same version, or the cluster would run another release than the one pinned.
check_k8s_pin() {
  grep -Eq "^[[:space:]]*k8s\.io/kubernetes $K8S_MODULE_VERSION\$" "$root/tools/kubernetes/go.mod" && return 0
  echo "install-tools: tools/kubernetes/go.mod does not require k8s.io/kubernetes $K8S_MODULE_VERSION (K8S_MODULE_VERSION in tools/versions.sh); change them together" >&2
  return 1
}

kube_ldflags() { # what the release's own build stamps (hack/lib/version.sh): `kubectl version` and the apiserver's /version show it
  local v=${K8S_MODULE_VERSION#v} cb=k8s.io/component-base/version cg=k8s.io/client-go/pkg/version
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  echo "-s -w -X $cb.gitVersion=$K8S_MODULE_VERSION -X $cb.gitMajor=$major -X $cb.gitMinor=$minor -X $cb.gitTreeState=clean" \
    "-X $cg.gitVersion=$K8S_MODULE_VERSION -X $cg.gitMajor=$major -X $cg.gitMinor=$minor"
}

build_kubernetes_cmd() { # name package ldflags: go build inside tools/kubernetes, stamped with the pin and a hash of its sources
  local name=$1 package=$2 ldflags=$3 src="$root/tools/kubernetes" start status=0 spec
  check_k8s_pin || return 1
  # Every source file but the tests: a change to the node's API (nodeapi/) must rebuild kube as one to cmd/ does.
  spec="$name@$K8S_MODULE_VERSION+$(cd "$src" && find . -type f ! -name '*_test.go' | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)"
  up_to_date "$name" "$spec" && return 0
  need_go "$name"
  echo "install-tools: building $name (log: .tools/logs/$name.log; tens of minutes the first time, the Go cache makes it quick after)"
  start=$(date +%s)
  (cd "$src" && GOFLAGS="$GOFLAGS -mod=readonly" go build -trimpath -ldflags "$ldflags" -o "$bin/$name.part" "$package") \
    >"$logs/$name.log" 2>&1 && mv "$bin/$name.part" "$bin/$name" || status=$?
  built "$name" "$spec" "$start" "$status"
}

build_kube() { # one binary for the control plane and kubectl; kubectl is a link to it (it dispatches on its name too)
  build_kubernetes_cmd kube ./cmd/kube "$(kube_ldflags)" || return 1
  ln -sfn kube "$bin/kubectl"
}

stamped() { # name path spec: the file or directory exists and its .version stamp records that spec
  if [ -e "$2" ] && [ "$(cat "$2.version" 2>/dev/null)" = "$3" ]; then
    echo "install-tools: $1 up to date ($3)"
    return 0
  fi
  return 1
}

extract_etcd() { # Debian's etcd-server, unpacked (not installed) into .tools/etcd: no service, no system user, no apt state
  local dest="$root/.tools/etcd" tmp
  stamped etcd "$dest" "etcd-server=$ETCD_DEB_VERSION" && return 0
  command -v apt-get >/dev/null || { echo "install-tools: etcd comes from Debian's etcd-server package and this machine has no apt-get" >&2; return 1; }
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -qq "etcd-server=$ETCD_DEB_VERSION" >/dev/null 2>"$logs/etcd.log"); then
    rm -rf "$tmp"
    echo "install-tools: apt-get download etcd-server=$ETCD_DEB_VERSION failed ($(tail -1 "$logs/etcd.log")); apt-cache policy etcd-server shows what apt offers" >&2
    return 1
  fi
  rm -rf "$dest" && mkdir -p "$dest" && dpkg -x "$tmp"/etcd-server_*.deb "$dest" && rm -rf "$tmp"
  echo "etcd-server=$ETCD_DEB_VERSION" >"$dest.version"
  echo "install-tools: extracted etcd ($("$dest/usr/bin/etcd" --version | head -1))"
}

copy_from_module() { # name module version dest path...: files or directories of a pinned Go module, stamped with the
  # version; dest is the file when one path is given, else the directory the paths are copied into
  local name=$1 module=$2 version=$3 dest=$4 dir
  shift 4
  stamped "$name" "$dest" "$version" && return 0
  need_go "$name"
  dir=$(module_dir "$module@$version")
  [ -n "$dir" ] || { echo "install-tools: could not download $module@$version" >&2; return 1; }
  if [ $# -eq 1 ]; then
    # Removed first: cp -r of a directory onto an existing one would nest the new copy inside the old.
    rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && cp -r "$dir/$1" "$dest"
  else
    rm -rf "$dest" && mkdir -p "$dest" && (cd "$dir" && cp -r "$@" "$dest/")
  fi
  chmod -R u+w,a+rX "$dest" # the module cache is read-only; a copy that stays so could not be replaced next time
  echo "$version" >"$dest.version"
  echo "install-tools: copied $name ($version)"
}

check_java() { # Zipkin's runtime: one line when it is missing or too old, with the command that installs it
  local hint="bash tools/apt-install.sh --no-install-recommends openjdk-17-jre-headless" version
  if ! command -v java >/dev/null; then
    echo "install-tools: Zipkin runs on Java >= 17 and this machine has no java on PATH; install it with: $hint" >&2
    return 0
  fi
  version=$(java -version 2>&1 | sed -n 's/.* version "\([0-9][0-9]*\).*/\1/p' | head -1) || version=
  [ "${version:-0}" -ge 17 ] || echo "install-tools: Zipkin runs on Java >= 17 and java on PATH is ${version:-of a version it does not say}; install 17 with: $hint" >&2
}

install_zipkin() { # Zipkin server's slim jar (its Lens UI inside) into .tools/zipkin, checked against the pinned sha256
  local dir="$root/.tools/zipkin" jar="zipkin-server-$ZIPKIN_VERSION-slim.jar" start got
  # MAVEN_REPO_URL: a mirror of Maven Central, where a machine has one.
  local url="${MAVEN_REPO_URL:-https://repo1.maven.org/maven2}/io/zipkin/zipkin-server/$ZIPKIN_VERSION/$jar"
  if ! stamped zipkin "$dir/$jar" "$jar sha256:$ZIPKIN_SLIM_SHA256"; then
    echo "install-tools: downloading $jar (86 MB) from $url"
    start=$(date +%s)
    mkdir -p "$dir"
    if ! curl -fsSL --retry 3 --connect-timeout 20 --max-time 900 -o "$dir/$jar.part" "$url" 2>"$logs/zipkin.log"; then
      rm -f "$dir/$jar.part"
      echo "install-tools: FAILED to download $url ($(tail -1 "$logs/zipkin.log"))" >&2
      return 1
    fi
    got=$(sha256sum "$dir/$jar.part" | cut -d' ' -f1)
    if [ "$got" != "$ZIPKIN_SLIM_SHA256" ]; then
      rm -f "$dir/$jar.part"
      echo "install-tools: $jar has sha256 $got, not the $ZIPKIN_SLIM_SHA256 pinned in tools/versions.sh; not installed" >&2
      return 1
    fi
    # Another version's jar and stamp go: findZipkinJar() looks for the pinned one only.
    find "$dir" -maxdepth 1 -name 'zipkin-server-*' ! -name "$jar.part" -delete
    mv "$dir/$jar.part" "$dir/$jar"
    echo "$jar sha256:$ZIPKIN_SLIM_SHA256" >"$dir/$jar.version"
    echo "install-tools: downloaded zipkin in $(( $(date +%s) - start ))s"
  fi
  check_java
}

# `mesh`: everything the local mesh runs that is built or fetched by this script (Envoy, from PyPI, is `mesh tools`'
# own), named once here for `./pnpmw mesh tools` and the mesh image's Go-build stage.
MESH_TOOLS="helm pilot-agent istio-bootstrap kube coredns pilot-discovery istio-cni istioctl etcd istio-charts routes-crd gateway-api-crds jaeger zipkin"
wanted=()
for want in "${@:-all}"; do
  # shellcheck disable=SC2206 # the set is split into its names on purpose
  if [ "$want" = mesh ]; then wanted+=($MESH_TOOLS); else wanted+=("$want"); fi
done

for want in "${wanted[@]}"; do
  case $want in
    all)
      build helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" "$(helm_ldflags v3 "$HELM_VERSION")"
      build_in_module helm4 "helm.sh/helm/v4@$HELM4_VERSION" ./cmd/helm "$(helm_ldflags v4 "$HELM4_VERSION")"
      build kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
      build istioctl "istio.io/istio/istioctl/cmd/istioctl@$ISTIO_MODULE_VERSION" ;;
    helm) build helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" "$(helm_ldflags v3 "$HELM_VERSION")" ;;
    helm4) build_in_module helm4 "helm.sh/helm/v4@$HELM4_VERSION" ./cmd/helm "$(helm_ldflags v4 "$HELM4_VERSION")" ;;
    kubeconform) build kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" ;;
    istioctl) build istioctl "istio.io/istio/istioctl/cmd/istioctl@$ISTIO_MODULE_VERSION" ;;
    jaeger) build_in_module jaeger "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" ./cmd/jaeger ;;
    zipkin) install_zipkin ;;
    compose) build_compose ;;
    pilot-agent) build pilot-agent "istio.io/istio/pilot/cmd/pilot-agent@$ISTIO_MODULE_VERSION" "$ISTIO_LDFLAGS" ;;
    # The Envoy bootstrap template Istio's proxy image carries (/var/lib/istio/envoy), from the same module.
    istio-bootstrap) copy_from_module istio-bootstrap istio.io/istio "$ISTIO_MODULE_VERSION" "$root/.tools/istio/envoy_bootstrap_tmpl.json" \
      tools/packaging/common/envoy_bootstrap.json ;;
    kube) build_kube ;;
    coredns) build_kubernetes_cmd coredns ./cmd/coredns "-s -w" ;;
    pilot-discovery) build pilot-discovery "istio.io/istio/pilot/cmd/pilot-discovery@$ISTIO_MODULE_VERSION" "$ISTIO_LDFLAGS" ;;
    istio-cni) build istio-cni "istio.io/istio/cni/cmd/istio-cni@$ISTIO_MODULE_VERSION" "$ISTIO_LDFLAGS" ;;
    etcd) extract_etcd ;;
    # Istio's own base and istio-discovery charts: the local cluster installs Istio with helm, as a cluster does.
    istio-charts) copy_from_module istio-charts istio.io/istio "$ISTIO_MODULE_VERSION" "$root/.tools/istio/charts" \
      manifests/charts/base manifests/charts/istio-control/istio-discovery ;;
    # OpenShift's Route CRD: the chart renders Routes, and the local cluster's router reads them.
    routes-crd) copy_from_module routes-crd github.com/openshift/api "$OPENSHIFT_API_VERSION" "$root/.tools/openshift/routes.crd.yaml" \
      route/v1/zz_generated.crd-manifests/routes.crd.yaml ;;
    # The Gateway API's standard-channel CRDs (Gateway, HTTPRoute, GatewayClass, ...) as a cluster installs them: the
    # chart's gateway-api flavor renders them, and istiod deploys the gateway of a Gateway of class istio.
    gateway-api-crds) copy_from_module gateway-api-crds sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION" "$root/.tools/gateway-api" \
      config/crd/standard ;;
    *) echo "install-tools: unknown tool $want (all, mesh, helm, helm4, kubeconform, istioctl, jaeger, zipkin, compose, pilot-agent, istio-bootstrap, kube, coredns, pilot-discovery, istio-cni, etcd, istio-charts, routes-crd, gateway-api-crds)" >&2; exit 2 ;;
  esac
done
exit 0
