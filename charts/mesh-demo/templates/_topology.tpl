{{/* The demo's fixed call graph (who calls whom): each Deployment's downstream URL and each service's least-privilege callers. */}}

{{/*
mesh-demo.calls: the demo's fixed topology, caller -> the one service it calls, as JSON; the two helpers below read it.
A copy of the services' own definitions (services/<name>/src/definition.ts), since a chart reads nothing outside itself;
charts/tests/test/topology.test.ts holds the rendered chart to them.
*/}}
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
