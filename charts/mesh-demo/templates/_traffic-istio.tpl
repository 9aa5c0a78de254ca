{{/* Istio HTTP routes of one service (header matches first, then the weighted default), shared by every VirtualService; the Gateway API rules are beside it. */}}

{{/* mesh-demo.istioHttpRoutes: takes (dict "root" $ "service" name "svc" values); returns the YAML list of http routes. */}}
{{- define "mesh-demo.istioHttpRoutes" -}}
{{- $root := .root -}}
{{- $name := .service -}}
{{- $t := .svc.traffic | default dict -}}
{{- $port := int $root.Values.ports.http -}}
{{- range $i, $m := $t.match | default list }}
- name: {{ printf "match-%d" $i }}
  match:
    - headers:
        {{ $m.header }}:
          {{- if $m.exact }}
          exact: {{ $m.exact | quote }}
          {{- else if $m.regex }}
          regex: {{ $m.regex | quote }}
          {{- else }}
          prefix: {{ $m.prefix | quote }}
          {{- end }}
  route:
    - destination:
        host: {{ $name }}
        subset: {{ $m.version }}
        port:
          number: {{ $port }}
  {{- with include "mesh-demo.istioRoutePolicy" $t | trim }}
  {{- . | nindent 2 }}
  {{- end }}
{{- end }}
- name: default
  route:
    {{- $weights := include "mesh-demo.effectiveWeights" .svc | fromJson }}
    {{- if $weights }}
    {{- range $v := keys $weights | sortAlpha }}
    {{- $w := int (get $weights $v) }}
    {{- if gt $w 0 }}
    - destination:
        host: {{ $name }}
        subset: {{ $v }}
        port:
          number: {{ $port }}
      weight: {{ $w }}
    {{- end }}
    {{- end }}
    {{- else }}
    - destination:
        host: {{ $name }}
        port:
          number: {{ $port }}
    {{- end }}
  {{- with $t.mirror }}
  {{- /* Why the shadow port: since Istio 1.28 a mirrored request keeps its Host (no -shadow suffix), so where it
       arrives is the only mark the app can see. */}}
  mirror:
    host: {{ $name }}
    subset: {{ .version }}
    port:
      number: {{ $root.Values.ports.shadow }}
  mirrorPercentage:
    value: {{ .percent | default 100 }}
  {{- end }}
  {{- with include "mesh-demo.istioRoutePolicy" $t | trim }}
  {{- . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* mesh-demo.istioRoutePolicy: fault, timeout and retries of a route, exactly where Istio reads them. */}}
{{- define "mesh-demo.istioRoutePolicy" -}}
{{- with .fault }}
fault:
  {{- with .abort }}
  abort:
    percentage:
      value: {{ .percent }}
    httpStatus: {{ .httpStatus | default 503 }}
  {{- end }}
  {{- with .delay }}
  delay:
    percentage:
      value: {{ .percent }}
    fixedDelay: {{ .fixedDelay }}
  {{- end }}
{{- end }}
{{- with .timeout }}
timeout: {{ . }}
{{- end }}
{{- with .retries }}
retries:
  attempts: {{ .attempts }}
  {{- with .perTryTimeout }}
  perTryTimeout: {{ . }}
  {{- end }}
  retryOn: {{ .retryOn | default "5xx,connect-failure,reset,retriable-status-codes" | quote }}
{{- end }}
{{- end }}
