{{/* Labels: the common set every object carries, and the minimal immutable Deployment selector. */}}

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
