{{/* The value checks beyond the schema: combinations the mesh would accept but the demo would break on. */}}

{{/*
mesh-demo.validate: refuses values the mesh would accept but the demo would break on.
Called once, from validate.yaml, so helm template/install fails with one clear message.
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
{{- include "mesh-demo.validateGatewayApiFeatures" . -}}
{{- if and .Values.build.enabled (ne .Values.platform "openshift") -}}
{{- fail "build.enabled=true needs platform=openshift: BuildConfigs and ImageStreams are OpenShift's; elsewhere push the images with ./pnpmw images push and set image.registry" -}}
{{- end -}}
{{- if and (eq .Values.mesh.flavor "ossm2") .Values.mesh.revision -}}
{{- fail "mesh.revision applies to the istio flavor; OSSM 2 selects its control plane with the ServiceMeshMember (mesh.controlPlane)" -}}
{{- end -}}
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

{{/* mesh-demo.validateGatewayApiFeatures: faults and retries exist only on Istio's VirtualService; an HTTPRoute cannot carry them. */}}
{{- define "mesh-demo.validateGatewayApiFeatures" -}}
{{- if and .Values.mesh.enabled .Values.gatewayApi.enabled -}}
{{- range $name, $svc := .Values.services -}}
{{- $t := $svc.traffic | default dict -}}
{{- if or $t.fault $t.retries -}}
{{- fail (printf "services.%s.traffic.fault and .retries are Istio VirtualService features; turn gatewayApi.enabled off to use them" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end }}
