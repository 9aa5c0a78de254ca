{{/* Names of the chart and its objects, and the image each service runs. */}}

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

{{/* mesh-demo.image: <registry>/<service>:<tag>, the tag defaulting to appVersion; with build.enabled the local ImageStream tag "<service>:<tag>". */}}
{{- define "mesh-demo.image" -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.build.enabled -}}
{{- printf "%s:%s" .service $tag -}}
{{- else -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .service $tag -}}
{{- end -}}
{{- end }}
