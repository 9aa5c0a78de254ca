{{/* Gateway API HTTPRoute rules of one service (header matches first, then the weighted default with its mirror), beside the Istio routes. */}}

{{/* mesh-demo.gatewayApiRules: takes (dict "root" $ "service" name "svc" values); returns the YAML list of HTTPRoute rules. */}}
{{- define "mesh-demo.gatewayApiRules" -}}
{{- $root := .root -}}
{{- $name := .service -}}
{{- $t := .svc.traffic | default dict -}}
{{- $port := int $root.Values.ports.http -}}
{{- range $m := $t.match | default list }}
- matches:
    - headers:
        - name: {{ $m.header }}
          {{- if $m.exact }}
          type: Exact
          value: {{ $m.exact | quote }}
          {{- else if $m.regex }}
          type: RegularExpression
          value: {{ $m.regex | quote }}
          {{- else }}
          type: RegularExpression
          value: {{ printf "^%s.*" (regexQuoteMeta $m.prefix) | quote }}
          {{- end }}
  backendRefs:
    - name: {{ $name }}-{{ $m.version }}
      port: {{ $port }}
  {{- with $t.timeout }}
  timeouts:
    request: {{ . }}
  {{- end }}
{{- end }}
- backendRefs:
    {{- $weights := include "mesh-demo.effectiveWeights" .svc | fromJson }}
    {{- if $weights }}
    {{- range $v := keys $weights | sortAlpha }}
    {{- $w := int (get $weights $v) }}
    {{- if gt $w 0 }}
    - name: {{ $name }}-{{ $v }}
      port: {{ $port }}
      weight: {{ $w }}
    {{- end }}
    {{- end }}
    {{- else }}
    - name: {{ $name }}
      port: {{ $port }}
    {{- end }}
  {{- with $t.mirror }}
  filters:
    - type: RequestMirror
      requestMirror:
        backendRef:
          name: {{ $name }}-{{ .version }}
          {{- /* The shadow port: the one mark a mirrored copy carries (see _traffic-istio.tpl). */}}
          port: {{ $root.Values.ports.shadow }}
        percent: {{ .percent | default 100 }}
  {{- end }}
  {{- with $t.timeout }}
  timeouts:
    request: {{ . }}
  {{- end }}
{{- end }}
