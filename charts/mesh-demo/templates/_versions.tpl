{{/* Versions of a service: which run, and which take live traffic at what weight (both routings read these). */}}

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
