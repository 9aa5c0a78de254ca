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

{{/* mesh-demo.imageStreamTag: "<service>:<tag>", the tag defaulting to appVersion: where an in-cluster build puts its image. */}}
{{- define "mesh-demo.imageStreamTag" -}}
{{- printf "%s:%s" .service (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end }}

{{/* mesh-demo.image: <registry>/<service>:<tag>, the tag defaulting to appVersion. With build.enabled, that ImageStream
     tag by its full name in OpenShift's internal registry (the image streams' own repository address): nothing rewrites a
     full name (there is no trigger annotation, and OpenShift's image policy admission resolves only short names), so the
     Deployment holds what Helm applied and no other field manager takes the field over (Helm 4 applies server-side). */}}
{{- define "mesh-demo.image" -}}
{{- if .root.Values.build.enabled -}}
{{- printf "image-registry.openshift-image-registry.svc:5000/%s/%s" .root.Release.Namespace (include "mesh-demo.imageStreamTag" .) -}}
{{- else -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .service (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}
{{- end }}
