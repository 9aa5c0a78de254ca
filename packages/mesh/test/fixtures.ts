// Objects copied from `helm template demo charts/mesh-demo -n mesh-demo` (03a, flavor-gateway-api), a fresh copy per call.

import type { KubeObject, Route } from '../src/kube.ts';

const CHART_LABELS = {
  'helm.sh/chart': 'mesh-demo-0.1.0',
  'app.kubernetes.io/managed-by': 'Helm',
  'app.kubernetes.io/instance': 'demo',
  'app.kubernetes.io/part-of': 'mesh-demo',
} as const;

function chartService(service: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: service, namespace: 'mesh-demo', labels: { ...CHART_LABELS, 'app.kubernetes.io/name': service, app: service } },
    spec: {
      type: 'ClusterIP',
      selector: { app: service, 'app.kubernetes.io/instance': 'demo' },
      ports: [
        { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
        { name: 'http-mgmt', port: 9000, targetPort: 'http-mgmt', protocol: 'TCP', appProtocol: 'http' },
      ],
    },
  };
}

/** Service customer of step 03a: not a Route, which the edge passes over. */
export const customerService = (): KubeObject => chartService('customer');

// Routes leave out `to.weight` and `wildcardPolicy` (100 and None in the chart): kube.ts' Route does not model them.

/** The chart's OpenShift Routes (Istio flavor): in istio-system, to the ingress gateway's http2 port. */
export function ingressRoute(app: 'customer' | 'partner'): Route {
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: { name: `${app}-mesh-demo`, namespace: 'istio-system', labels: { ...CHART_LABELS, 'app.kubernetes.io/name': app, app } },
    spec: {
      host: `${app}-mesh-demo.apps-crc.testing`,
      to: { kind: 'Service', name: 'istio-ingressgateway' },
      port: { targetPort: 'http2' },
    },
  };
}

/** flavor-gateway-api: the customer Route, in mesh-demo, to the Gateway's Service on the numeric port 80. */
export function gatewayApiRoute(): Route {
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: {
      name: 'customer',
      namespace: 'mesh-demo',
      labels: { ...CHART_LABELS, 'app.kubernetes.io/name': 'customer', app: 'customer' },
    },
    spec: {
      host: 'customer-mesh-demo.apps-crc.testing',
      to: { kind: 'Service', name: 'demo-mesh-demo-gateway-istio' },
      port: { targetPort: 80 },
    },
  };
}
