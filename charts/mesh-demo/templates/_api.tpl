{{/* API versions of the Istio kinds, which differ by mesh flavor. */}}

{{/* mesh-demo.networkingApi: OSSM 2 ships Istio < 1.22, which only knows v1beta1. */}}
{{- define "mesh-demo.networkingApi" -}}
{{- if eq .Values.mesh.flavor "ossm2" }}networking.istio.io/v1beta1{{ else }}networking.istio.io/v1{{ end -}}
{{- end }}

{{- define "mesh-demo.securityApi" -}}
{{- if eq .Values.mesh.flavor "ossm2" }}security.istio.io/v1beta1{{ else }}security.istio.io/v1{{ end -}}
{{- end }}
