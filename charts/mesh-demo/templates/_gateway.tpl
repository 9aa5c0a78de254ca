{{/* The edge: which services are exposed, on which host, and the names of the gateways that take their traffic. */}}

{{/* mesh-demo.isEdge: "true" when the service is exposed through the ingress. */}}
{{- define "mesh-demo.isEdge" -}}
{{- $svc := get .root.Values.services .service -}}
{{- if and $svc.ingress $svc.ingress.enabled }}true{{ end -}}
{{- end }}

{{/* mesh-demo.host: external host of an edge service; takes (dict "root" $ "service" name). */}}
{{- define "mesh-demo.host" -}}
{{- $svc := get .root.Values.services .service -}}
{{- $ingress := $svc.ingress | default dict -}}
{{- $ingress.host | default (printf "%s-%s.%s" .service .root.Release.Namespace .root.Values.ingress.domain) -}}
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
