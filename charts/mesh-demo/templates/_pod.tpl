{{/* What the pods derive from the values: the Node heap from the memory limit, the drain and grace periods from shutdown. */}}

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

{{/*
mesh-demo.listenerDrainSeconds: how long a sidecar keeps the connections of a listener it replaced (Istio's drainDuration,
pinned at Istio's default). When a step changes a pod's inbound policy (mTLS mode, authorization), Envoy answers the
next request on each old connection with "Connection: close", and closes the connections still idle when this ends.
*/}}
{{- define "mesh-demo.listenerDrainSeconds" -}}45{{- end }}

{{/*
mesh-demo.idleTimeoutSeconds: how long a caller's Envoy keeps an idle pooled connection (the DestinationRule's
connectionPool.http.idleTimeout; Envoy's default is an hour). Below the listener drain, the caller closes an old idle
connection itself before the sidecar does: otherwise a request sent as the sidecar closes it dies with 503 UC
"connection termination", which Istio's default retry policy does not retry (seen 45 s after a policy step).
*/}}
{{- define "mesh-demo.idleTimeoutSeconds" -}}30{{- end }}

{{/* mesh-demo.graceSeconds: the drain plus a margin, so Kubernetes never SIGKILLs a pod that is still draining. */}}
{{- define "mesh-demo.graceSeconds" -}}
{{- add (include "mesh-demo.drainSeconds" . | int) .Values.shutdown.marginSeconds -}}
{{- end }}
