// What the local router writes on each Route: Admitted with the host when the edge serves it, and why not otherwise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { edgeRoutes } from '../src/edge.ts';
import type { Route } from '../src/kube.ts';
import { admissionOf, admissionPatch, statusSays } from '../src/route-admission.ts';
import { gatewayApiRoute, ingressRoute } from './fixtures.ts';

const served = (...routes: Route[]) => edgeRoutes(routes, () => [{ ip: '10.244.1.2', ports: { http2: 8080 } }]);

function aged(route: Route, at: string): Route {
  return { ...route, metadata: { ...route.metadata, creationTimestamp: at } };
}

describe('admissionOf', () => {
  it('admits a Route the edge serves', () => {
    const route = ingressRoute('customer');
    assert.deepEqual(admissionOf(route, served(route)), { admitted: true });
  });

  it('refuses the newer of two Routes for one app, naming the route that keeps the port', () => {
    const older = aged(ingressRoute('customer'), '2026-01-01T00:00:00Z');
    const newer = aged(gatewayApiRoute(), '2026-01-02T00:00:00Z');
    const admission = admissionOf(newer, served(older, newer));
    assert.equal(admission.admitted, false);
    assert.equal(admission.reason, 'HostAlreadyClaimed');
    assert.match(
      admission.message ?? '',
      /127\.0\.0\.1:8080 already serves route customer-mesh-demo \(customer-mesh-demo\.apps-crc\.testing\)/,
    );
  });

  it('refuses a Route whose app has no local port, naming the apps that have one', () => {
    const route = ingressRoute('customer');
    const kiali = { ...route, metadata: { ...route.metadata, name: 'kiali', labels: { app: 'kiali' } } };
    const admission = admissionOf(kiali, served(kiali));
    assert.equal(admission.reason, 'NoLocalPort');
    assert.match(admission.message ?? '', /customer, partner.*app=kiali/);
  });
});

describe('admissionPatch and statusSays', () => {
  it("writes the Route's host and an Admitted condition that statusSays then reads back as already said", () => {
    const route = ingressRoute('customer');
    const patch = admissionPatch(route, { admitted: true }, new Date('2026-12-07T07:00:00.123Z')) as { status: Route['status'] };
    assert.deepEqual(patch.status, {
      ingress: [
        {
          host: 'customer-mesh-demo.apps-crc.testing',
          routerName: 'default',
          wildcardPolicy: 'None',
          conditions: [{ type: 'Admitted', status: 'True', lastTransitionTime: '2026-12-07T07:00:00Z' }],
        },
      ],
    });
    assert.equal(statusSays(route, { admitted: true }), false, 'no status yet');
    const written = { ...route, status: patch.status };
    assert.equal(statusSays(written, { admitted: true }), true);
    assert.equal(
      statusSays(written, { admitted: false, reason: 'HostAlreadyClaimed', message: 'm' }),
      false,
      'a changed admission writes again',
    );
  });

  it('writes again when the Route moved to another host', () => {
    const route = ingressRoute('customer');
    const patch = admissionPatch(route, { admitted: true }, new Date()) as { status: Route['status'] };
    const moved = { ...route, spec: { ...route.spec, host: 'other.example' }, status: patch.status };
    assert.equal(statusSays(moved, { admitted: true }), false);
  });
});
