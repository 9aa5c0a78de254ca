// The router's reading of EndpointSlices: a Service's ready endpoints, found by its service-name label, with named ports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointsOf } from '../src/router.ts';

type Slice = Parameters<typeof endpointsOf>[0] extends Iterable<infer S> ? S : never;

/** An EndpointSlice as the EndpointSlice controller writes one for a Service (named after it plus a suffix). */
function slice(namespace: string, service: string, suffix: string, fields: Partial<Slice> = {}): Slice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service}-${suffix}`,
      namespace,
      labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
    },
    ...fields,
  };
}

/** The ingress gateway's Service: its ports as the slice names them (the Service's port names, the pods' ports). */
const GATEWAY_PORTS = [
  { name: 'status-port', port: 15021 },
  { name: 'http2', port: 8080 },
  { name: 'https', port: 8443 },
];
const gatewayPorts = { 'status-port': 15021, http2: 8080, https: 8443 };
/** A slice of the ingress gateway's Service with these endpoints. */
const gatewaySlice = (suffix: string, endpoints: Slice['endpoints']) =>
  slice('istio-ingress', 'istio-ingressgateway', suffix, { ports: GATEWAY_PORTS, endpoints });
const gatewayIps = (slices: Slice[]) => endpointsOf(slices, 'istio-ingress', 'istio-ingressgateway').map((e) => e.ip);

describe('endpointsOf', () => {
  it("gives each ready address of the Service's slices with the slice's ports by name", () => {
    const slices = [
      gatewaySlice('x7k2p', [
        { addresses: ['10.244.1.5'], conditions: { ready: true } },
        { addresses: ['10.244.1.9'], conditions: { ready: true } },
      ]),
    ];
    assert.deepEqual(endpointsOf(slices, 'istio-ingress', 'istio-ingressgateway'), [
      { ip: '10.244.1.5', ports: gatewayPorts },
      { ip: '10.244.1.9', ports: gatewayPorts },
    ]);
  });

  it('leaves out an endpoint that is not ready (a pod starting or draining), and takes one with no condition as ready', () => {
    const slices = [
      gatewaySlice('x7k2p', [
        { addresses: ['10.244.1.5'], conditions: { ready: false } },
        { addresses: ['10.244.1.6'] },
        { addresses: ['10.244.1.7'], conditions: {} },
      ]),
    ];
    assert.deepEqual(gatewayIps(slices), ['10.244.1.6', '10.244.1.7']);
  });

  it("finds the Service's slices by the kubernetes.io/service-name label, not by the slice's name, in its namespace only", () => {
    const slices = [
      gatewaySlice('x7k2p', [{ addresses: ['10.244.1.5'] }]),
      // A second slice of the same Service (the controller splits large ones): its endpoints count too.
      gatewaySlice('q4n8z', [{ addresses: ['10.244.1.6'] }]),
      // Named like the Service's, but labelled for another one.
      {
        ...gatewaySlice('m1m1m', [{ addresses: ['10.244.1.7'] }]),
        metadata: { name: 'istio-ingressgateway-m1m1m', namespace: 'istio-ingress', labels: { 'kubernetes.io/service-name': 'other' } },
      },
      // The same Service name in another namespace.
      slice('mesh-demo', 'istio-ingressgateway', 'a2b3c', { ports: GATEWAY_PORTS, endpoints: [{ addresses: ['10.244.1.8'] }] }),
    ];
    assert.deepEqual(gatewayIps(slices), ['10.244.1.5', '10.244.1.6']);
    assert.deepEqual(endpointsOf(slices, 'istio-ingress', 'customer'), []);
  });

  it("names a Service's one unnamed port '' and drops a port the slice gives no number", () => {
    const slices = [
      slice('mesh-demo', 'demo-mesh-demo-gateway-istio', 'h5j6k', {
        ports: [{ port: 80 }, { name: 'status-port' }],
        endpoints: [{ addresses: ['10.244.1.11'] }],
      }),
    ];
    assert.deepEqual(endpointsOf(slices, 'mesh-demo', 'demo-mesh-demo-gateway-istio'), [{ ip: '10.244.1.11', ports: { '': 80 } }]);
  });

  it('gives every address of an endpoint, and nothing for a slice without endpoints (no pod selected yet)', () => {
    const slices = [
      slice('mesh-demo', 'customer', 'r2d2c', {
        ports: [{ name: 'http', port: 8080 }],
        endpoints: [{ addresses: ['10.244.1.3', '10.244.1.4'] }],
      }),
      slice('mesh-demo', 'partner', 'c3p0x', { ports: [{ name: 'http', port: 8080 }] }),
    ];
    assert.deepEqual(
      endpointsOf(slices, 'mesh-demo', 'customer').map((e) => e.ip),
      ['10.244.1.3', '10.244.1.4'],
    );
    assert.deepEqual(endpointsOf(slices, 'mesh-demo', 'partner'), []);
  });
});
