{{/* Shared helpers of the mesh-demo chart: names, labels, API versions, and the value checks that refuse bad input. */}}

{{/* mesh-demo.name: the chart name, overridable nowhere on purpose: service names are the contract (PREFERENCE_URL=http://preference:8080). */}}
{{- define "mesh-demo.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{/* mesh-demo.fullname: name of the chart-wide objects (Gateway API Gateway, test pods). */}}
{{- define "mesh-demo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end }}

{{/* mesh-demo.calls: the demo's fixed topology, caller -> the one service it calls, as JSON; the two helpers below read it. */}}
{{- define "mesh-demo.calls" -}}
{{- toJson (dict "customer" "preference" "partner" "preference" "preference" "recommendation") -}}
{{- end }}

{{/* mesh-demo.downstream: the service the given one calls (its env variable names it), or nothing for the leaf. */}}
{{- define "mesh-demo.downstream" -}}
{{- get (include "mesh-demo.calls" . | fromJson) . -}}
{{- end }}

{{/* mesh-demo.callers: which services may call the given one (least-privilege AuthorizationPolicy), as a JSON list. */}}
{{- define "mesh-demo.callers" -}}
{{- $target := . -}}
{{- $callers := list -}}
{{- range $caller, $callee := include "mesh-demo.calls" . | fromJson -}}
{{- if eq $callee $target }}{{ $callers = append $callers $caller }}{{ end -}}
{{- end -}}
{{- toJson $callers -}}
{{- end }}

{{/* mesh-demo.labels: common labels of every object; takes (dict "root" $ "service" name). */}}
{{- define "mesh-demo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: {{ include "mesh-demo.name" .root }}
{{- with .service }}
app.kubernetes.io/name: {{ . }}
app: {{ . }}
{{- end }}
{{- end }}

{{/* mesh-demo.selectorLabels: the immutable Deployment selector: app + version (+ instance), never the chart version. */}}
{{- define "mesh-demo.selectorLabels" -}}
app: {{ .service }}
version: {{ .version }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/* mesh-demo.image: <registry>/<service>:<tag>, the tag defaulting to appVersion; with build.enabled the local ImageStream tag "<service>:<tag>". */}}
{{- define "mesh-demo.image" -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.build.enabled -}}
{{- printf "%s:%s" .service $tag -}}
{{- else -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .service $tag -}}
{{- end -}}
{{- end }}

{{/* mesh-demo.networkingApi: OSSM 2 ships Istio < 1.22, which only knows v1beta1. */}}
{{- define "mesh-demo.networkingApi" -}}
{{- if eq .Values.mesh.flavor "ossm2" }}networking.istio.io/v1beta1{{ else }}networking.istio.io/v1{{ end -}}
{{- end }}

{{- define "mesh-demo.securityApi" -}}
{{- if eq .Values.mesh.flavor "ossm2" }}security.istio.io/v1beta1{{ else }}security.istio.io/v1{{ end -}}
{{- end }}

{{/* mesh-demo.gatewayNamespace: where the ingress gateway Service lives. */}}
{{- define "mesh-demo.gatewayNamespace" -}}
{{- .Values.ingress.gateway.namespace | default .Values.mesh.controlPlane.namespace -}}
{{- end }}

{{/* mesh-demo.gatewayApiName: the Gateway API Gateway of the edge hosts. */}}
{{- define "mesh-demo.gatewayApiName" -}}
{{ include "mesh-demo.fullname" . }}-gateway
{{- end }}

{{/* mesh-demo.gatewayApiService: what Istio deploys for that Gateway in the release namespace, its Service and service account (<gateway>-<class>). */}}
{{- define "mesh-demo.gatewayApiService" -}}
{{ include "mesh-demo.gatewayApiName" . }}-{{ .Values.gatewayApi.gatewayClassName }}
{{- end }}

{{/* mesh-demo.host: external host of an edge service; takes (dict "root" $ "service" name). */}}
{{- define "mesh-demo.host" -}}
{{- $svc := get .root.Values.services .service -}}
{{- $ingress := $svc.ingress | default dict -}}
{{- $ingress.host | default (printf "%s-%s.%s" .service .root.Release.Namespace .root.Values.ingress.domain) -}}
{{- end }}

{{/* mesh-demo.isEdge: "true" when the service is exposed through the ingress. */}}
{{- define "mesh-demo.isEdge" -}}
{{- $svc := get .root.Values.services .service -}}
{{- if and $svc.ingress $svc.ingress.enabled }}true{{ end -}}
{{- end }}

{{/* mesh-demo.enabledVersions: sorted JSON list of the enabled version names of a service. */}}
{{- define "mesh-demo.enabledVersions" -}}
{{- $out := list -}}
{{- range $name, $v := .versions -}}
{{- if $v.enabled }}{{ $out = append $out $name }}{{ end -}}
{{- end -}}
{{- toJson (sortAlpha $out) -}}
{{- end }}

{{/*
mesh-demo.effectiveWeights: JSON map version -> weight of the live route of a service (takes its values).
The given weights; else, when mirroring, 100 to the one enabled version that is not the mirror target
(so `mirror: {version: v2}` alone means "serve from v1, copy to v2"); else {} (no subset: every version serves).
*/}}
{{- define "mesh-demo.effectiveWeights" -}}
{{- $t := .traffic | default dict -}}
{{- if $t.weights -}}
{{- toJson $t.weights -}}
{{- else if $t.mirror -}}
{{- $rest := without (include "mesh-demo.enabledVersions" . | fromJsonArray) $t.mirror.version -}}
{{- if eq (len $rest) 1 }}{{ toJson (dict (first $rest) 100) }}{{ else }}{}{{ end -}}
{{- else -}}
{}
{{- end -}}
{{- end }}

{{/* mesh-demo.memoryMiB: limits.memory in MiB, so the V8 heap can be sized from it. */}}
{{- define "mesh-demo.memoryMiB" -}}
{{- $m := toString . -}}
{{- if hasSuffix "Gi" $m -}}
{{- mul (trimSuffix "Gi" $m | atoi) 1024 -}}
{{- else if hasSuffix "Mi" $m -}}
{{- trimSuffix "Mi" $m | atoi -}}
{{- else -}}
{{- fail (printf "resources.limits.memory %q must be given in Mi or Gi: the Node heap (--max-old-space-size) is derived from it" $m) -}}
{{- end -}}
{{- end }}

{{/* mesh-demo.drainSeconds: preStop + shutdown delay + drain timeout: how long the app may still serve after termination starts. */}}
{{- define "mesh-demo.drainSeconds" -}}
{{- $s := .Values.shutdown -}}
{{- add $s.preStopSeconds (div (add $s.delayMs $s.timeoutMs 999) 1000) -}}
{{- end }}

{{/* mesh-demo.graceSeconds: the drain plus a margin, so Kubernetes never SIGKILLs a pod that is still draining. */}}
{{- define "mesh-demo.graceSeconds" -}}
{{- add (include "mesh-demo.drainSeconds" . | int) .Values.shutdown.marginSeconds -}}
{{- end }}

{{/*
mesh-demo.validateMirrorPercent: a partial RequestMirror needs Gateway API CRDs of bundle v1.3.0 or later; older CRDs
(OpenShift 4.19 ships v1.2.1) have no requestMirror.percent, so the API server drops it and the mirror takes 100%.
The bundle version comes from gatewayApi.bundleVersion, else from the cluster's HTTPRoute CRD at install time.
*/}}
{{- define "mesh-demo.validateMirrorPercent" -}}
{{- if and .Values.mesh.enabled .Values.gatewayApi.enabled -}}
{{- $bundle := .Values.gatewayApi.bundleVersion -}}
{{- if not $bundle -}}
{{- $crd := lookup "apiextensions.k8s.io/v1" "CustomResourceDefinition" "" "httproutes.gateway.networking.k8s.io" -}}
{{- $bundle = dig "metadata" "annotations" "gateway.networking.k8s.io/bundle-version" "" $crd -}}
{{- end -}}
{{- if and $bundle (semverCompare "<1.3.0-0" (trimPrefix "v" $bundle)) -}}
{{- range $name, $svc := .Values.services -}}
{{- with ($svc.traffic | default dict).mirror -}}
{{- if lt (int (.percent | default 100)) 100 -}}
{{- fail (printf "services.%s.traffic.mirror.percent %d needs Gateway API CRDs v1.3.0 or later, and this cluster has %s (OpenShift 4.19 ships v1.2.1): it would drop requestMirror.percent and mirror every request; mirror 100%% or use Istio's VirtualService (gatewayApi.enabled=false)" $name (int .percent) $bundle) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* mesh-demo.durationMs: an Istio duration ("7s", "1m30s", "250ms") in whole milliseconds. */}}
{{- define "mesh-demo.durationMs" -}}
{{- $total := 0.0 -}}
{{- range $part := regexFindAll "[0-9]+(\\.[0-9]+)?(ms|s|m|h)" . -1 -}}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $part -}}
{{- $factor := get (dict "ms" 1.0 "s" 1000.0 "m" 60000.0 "h" 3600000.0) (trimPrefix $number $part) -}}
{{- $total = addf $total (mulf (float64 $number) $factor) -}}
{{- end -}}
{{- $total | int -}}
{{- end }}

{{/*
mesh-demo.validate: refuses values the mesh would accept but the demo would break on.
Called from every template that renders traffic rules, so helm template/install fails with one clear message.
*/}}
{{- define "mesh-demo.validate" -}}
{{- $ports := .Values.ports -}}
{{- if or (eq (int $ports.http) (int $ports.management)) (eq (int $ports.http) (int $ports.shadow)) (eq (int $ports.management) (int $ports.shadow)) -}}
{{- fail (printf "ports.http (%d), ports.management (%d) and ports.shadow (%d) must all differ" (int $ports.http) (int $ports.management) (int $ports.shadow)) -}}
{{- end -}}
{{- $timeoutMs := int .Values.downstreamTimeoutMs -}}
{{- range $name, $svc := .Values.services -}}
{{- $enabled := include "mesh-demo.enabledVersions" $svc | fromJsonArray -}}
{{- if not $enabled -}}
{{- fail (printf "services.%s has no enabled version: enable at least one of services.%s.versions" $name $name) -}}
{{- end -}}
{{- $t := $svc.traffic | default dict -}}
{{- with ($t.fault | default dict).delay -}}
{{- /* Why: the callers' own deadline (DOWNSTREAM_TIMEOUT_MS) must outlast the injected delay, or the step shows 504s
     instead of the delay it is about (the old 7 s delay against the 5 s default did exactly that). */ -}}
{{- if gt (add (include "mesh-demo.durationMs" .fixedDelay | int) 1000) $timeoutMs -}}
{{- fail (printf "services.%s.traffic.fault.delay.fixedDelay %s must be at least 1 s shorter than downstreamTimeoutMs (%d ms): the callers would give up and answer 504 before the delay ends; shorten the delay or raise downstreamTimeoutMs" $name .fixedDelay $timeoutMs) -}}
{{- end -}}
{{- end -}}
{{- with $t.weights -}}
{{- $sum := 0 -}}
{{- range $v, $w := . -}}
{{- if not (has $v $enabled) -}}
{{- fail (printf "services.%s.traffic.weights names version %q, which is not enabled (enabled: %s); set services.%s.versions.%s.enabled=true or drop the weight" $name $v (join ", " $enabled) $name $v) -}}
{{- end -}}
{{- $sum = add $sum $w -}}
{{- end -}}
{{- if ne (int $sum) 100 -}}
{{- fail (printf "services.%s.traffic.weights must sum to 100, got %d" $name (int $sum)) -}}
{{- end -}}
{{- end -}}
{{- with $t.mirror -}}
{{- if not (has .version $enabled) -}}
{{- fail (printf "services.%s.traffic.mirror.version %q is not enabled; set services.%s.versions.%s.enabled=true" $name .version $name .version) -}}
{{- end -}}
{{- $weights := include "mesh-demo.effectiveWeights" $svc | fromJson -}}
{{- if not $weights -}}
{{- fail (printf "services.%s.traffic.mirror needs services.%s.traffic.weights (e.g. {v1: 100}) when other than one version besides %s is enabled, so live and mirrored traffic go to different versions" $name $name .version) -}}
{{- end -}}
{{- if gt (int (get $weights .version | default 0)) 0 -}}
{{- fail (printf "services.%s.traffic.mirror.version %q also receives live traffic in services.%s.traffic.weights; mirror to a version with no weight" $name .version $name) -}}
{{- end -}}
{{- end -}}
{{- range $i, $m := $t.match | default list -}}
{{- if not (has $m.version $enabled) -}}
{{- fail (printf "services.%s.traffic.match[%d].version %q is not enabled; set services.%s.versions.%s.enabled=true" $name $i $m.version $name $m.version) -}}
{{- end -}}
{{- if eq (len (compact (list ($m.exact | default "") ($m.regex | default "") ($m.prefix | default "")))) 0 -}}
{{- fail (printf "services.%s.traffic.match[%d] needs one of exact, regex or prefix" $name $i) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and .Values.gatewayApi.enabled (not .Values.mesh.enabled) -}}
{{- fail "gatewayApi.enabled=true needs mesh.enabled=true: the HTTPRoutes are programmed by Istio" -}}
{{- end -}}
{{- if and .Values.gatewayApi.enabled (eq .Values.mesh.flavor "ossm2") -}}
{{- fail "gatewayApi.enabled=true is not offered with the ossm2 flavor: Service Mesh 2 has the Gateway API only as a Technology Preview; use Istio's Gateway and VirtualService there (gatewayApi.enabled=false), or Service Mesh 3" -}}
{{- end -}}
{{- include "mesh-demo.validateMirrorPercent" . -}}
{{- if and .Values.build.enabled (ne .Values.platform "openshift") -}}
{{- fail "build.enabled=true needs platform=openshift: BuildConfigs and ImageStreams are OpenShift's; elsewhere push the images with ./pnpmw images push and set image.registry" -}}
{{- end -}}
{{- if and (eq .Values.mesh.flavor "ossm2") .Values.mesh.revision -}}
{{- fail "mesh.revision applies to the istio flavor; OSSM 2 selects its control plane with the ServiceMeshMember (mesh.controlPlane)" -}}
{{- end -}}
{{- end }}
