// The EndpointSlice controller: which pods back a Service, on which ports, ready, serving or terminating.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '../src/kube.ts';
import { endpointSlices, type PodRecord } from '../src/workloads.ts';
import { customerService, customerV1, podOf, recommendation, recommendationService } from './fixtures.ts';

describe('endpointSlices', () => {
  const v1 = recommendation('v1');
  const v2 = recommendation('v2');
  type Slice = {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    endpoints: {
      addresses: string[];
      conditions: { ready: boolean; serving: boolean; terminating: boolean };
      targetRef: { name: string };
    }[];
    ports: { name: string; port: number; protocol: string; appProtocol?: string }[];
  };
  const slicesOf = (services: Service[], pods: PodRecord[]) => endpointSlices(services, pods) as unknown as Slice[];

  it('publishes every selected pod of both versions under the Service, with named targetPorts resolved', () => {
    const pods = [
      podOf(v1, { name: 'rec-v1', ip: '10.244.1.3' }),
      podOf(v2, { name: 'rec-v2', ip: '10.244.1.4' }),
      podOf(customerV1(), { name: 'cust', ip: '10.244.1.5' }),
    ];
    const [slice, ...more] = slicesOf([recommendationService()], pods);
    assert.equal(more.length, 0);
    assert.equal(slice!.metadata.name, 'recommendation-local');
    assert.equal(slice!.metadata.namespace, 'mesh-demo');
    assert.equal(slice!.metadata.labels['kubernetes.io/service-name'], 'recommendation');
    assert.deepEqual(
      slice!.endpoints.map((e) => [e.targetRef.name, e.addresses]),
      [
        ['rec-v1', ['10.244.1.3']],
        ['rec-v2', ['10.244.1.4']],
      ],
    );
    assert.deepEqual(slice!.ports, [
      { name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' },
      { name: 'http-mgmt', port: 9000, protocol: 'TCP', appProtocol: 'http' },
    ]);
  });

  it('skips Services without a selector, and makes one slice for each that has one', () => {
    const external: Service = {
      ...customerService(),
      metadata: { name: 'external', namespace: 'mesh-demo' },
      spec: { ports: [{ port: 443 }] },
    };
    const empty: Service = {
      ...customerService(),
      metadata: { name: 'empty', namespace: 'mesh-demo' },
      spec: { selector: {}, ports: [{ port: 443 }] },
    };
    const slices = slicesOf([external, customerService(), empty, recommendationService()], [podOf(customerV1())]);
    assert.deepEqual(
      slices.map((s) => s.metadata.name),
      ['customer-local', 'recommendation-local'],
    );
    assert.deepEqual(slices[1]!.endpoints, []);
  });

  it('leaves out pods of another namespace', () => {
    const elsewhere = { ...podOf(v1, { name: 'other-ns' }), namespace: 'other' };
    assert.deepEqual(slicesOf([recommendationService()], [elsewhere])[0]!.endpoints, []);
  });

  it('marks ready, not-ready and terminating pods as the EndpointSlice controller does', () => {
    const pods = [
      podOf(v1, { name: 'ready' }),
      podOf(v1, { name: 'starting', phase: 'Starting', ready: false }),
      podOf(v1, { name: 'draining', phase: 'Terminating', ready: true }),
      podOf(v1, { name: 'gone', phase: 'Terminating', ready: false }),
    ];
    const conditions = Object.fromEntries(
      slicesOf([recommendationService()], pods)[0]!.endpoints.map((e) => [e.targetRef.name, e.conditions]),
    );
    assert.deepEqual(conditions, {
      ready: { ready: true, serving: true, terminating: false },
      starting: { ready: false, serving: false, terminating: false },
      draining: { ready: false, serving: true, terminating: true },
      gone: { ready: false, serving: false, terminating: true },
    });
  });

  it("resolves a named targetPort in each pod's own containers", () => {
    const moved = recommendation('v2');
    moved.spec.template.spec.containers[0]!.ports![0]!.containerPort = 8081;
    const pods = [podOf(v1, { name: 'rec-v1', ip: '10.244.1.3' }), podOf(moved, { name: 'rec-v2', ip: '10.244.1.4' })];
    // Whatever the slices look like, each endpoint must be published with the port its own pod declares as http.
    const httpPortOf = Object.fromEntries(
      slicesOf([recommendationService()], pods).flatMap((slice) =>
        slice.endpoints.map((e) => [e.targetRef.name, slice.ports.find((p) => p.name === 'http')!.port]),
      ),
    );
    assert.deepEqual(httpPortOf, { 'rec-v1': 8080, 'rec-v2': 8081 });
  });

  it('keeps a numeric targetPort and drops a named one no container declares', () => {
    const service = recommendationService();
    service.spec.ports = [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'grpc', port: 9090, targetPort: 'grpc', protocol: 'TCP' },
      { name: 'plain', port: 7070 },
    ];
    assert.deepEqual(slicesOf([service], [podOf(v1)])[0]!.ports, [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'plain', port: 7070, protocol: 'TCP' },
    ]);
  });
});
