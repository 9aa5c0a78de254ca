// Reading istiod's /debug/syncz: which proxies still lag behind its last push, and which pushes an Envoy rejected.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastingRejections, type ProxySync, rejections, unsynced } from '../src/istiod-sync.ts';

const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const ROUTE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

/** One /debug/syncz entry as istiod (pilot/pkg/xds/debug.go SyncStatus) writes it, every type acknowledged. */
function synced(proxy: string, nonce = 'a1b2c3d4-5e6f-4a5b-8c9d-0e1f2a3b4c5d'): ProxySync {
  return {
    cluster_id: 'Kubernetes',
    proxy,
    proxy_type: 'sidecar',
    proxy_version: '1.29.0',
    istio_version: '1.29.0',
    cluster_sent: nonce,
    cluster_acked: nonce,
    listener_sent: nonce,
    listener_acked: nonce,
    route_sent: nonce,
    route_acked: nonce,
    endpoint_sent: nonce,
    endpoint_acked: nonce,
    resources: {
      [CLUSTER]: { sent: nonce, acked: nonce },
      [LISTENER]: { sent: nonce, acked: nonce },
      [ROUTE]: { sent: nonce, acked: nonce },
    },
  };
}

describe('unsynced', () => {
  it('lists no proxy that acknowledged everything istiod sent it', () => {
    assert.deepEqual(
      unsynced([synced('customer-v1-5c7d9f8b6a-x2x8k.mesh-demo'), synced('istio-ingressgateway-7f9c6d5b4-q8w2z.istio-system')]),
      [],
    );
  });

  it('lists a proxy for each of cluster, listener, route and endpoint it has not acknowledged yet', () => {
    for (const type of ['cluster', 'listener', 'route', 'endpoint']) {
      const behind = { ...synced(`${type}-behind.mesh-demo`), [`${type}_sent`]: 'f0e1d2c3-newer' };
      assert.deepEqual(unsynced([synced('customer.mesh-demo'), behind]), [`${type}-behind.mesh-demo`], type);
    }
  });

  it('lists a proxy that has acknowledged nothing yet (istiod omits the empty acked fields)', () => {
    const {
      cluster_acked: _c,
      listener_acked: _l,
      route_acked: _r,
      endpoint_acked: _e,
      ...fresh
    } = synced('recommendation-v2-6b8d7c9f5-m4n7p.mesh-demo');
    assert.deepEqual(unsynced([fresh as ProxySync]), ['recommendation-v2-6b8d7c9f5-m4n7p.mesh-demo']);
  });

  it('waits only for cluster, listener, route and endpoint, not for extension configs', () => {
    const proxy = { ...synced('customer.mesh-demo'), extensionconfig_sent: 'n1', extensionconfig_acked: '' };
    assert.deepEqual(unsynced([proxy]), []);
  });

  it('keeps the order istiod listed the proxies in', () => {
    const lagging = (name: string) => ({ ...synced(name), listener_acked: 'old' });
    assert.deepEqual(unsynced([lagging('b.mesh-demo'), synced('c.mesh-demo'), lagging('a.mesh-demo')]), ['b.mesh-demo', 'a.mesh-demo']);
  });
});

describe('rejections', () => {
  const nack = 'Error adding/updating listener(s) 0.0.0.0_8080: duplicate listener 0.0.0.0_8080 found';

  it("reports each type whose lastError is set, with the proxy and Envoy's words", () => {
    const proxy = synced('preference-v1-8d6f5c7b9-t5r4e.mesh-demo');
    proxy.resources![LISTENER] = { sent: 'n2', acked: 'n1', lastError: nack };
    assert.deepEqual(rejections([synced('customer.mesh-demo'), proxy]), [
      { proxy: 'preference-v1-8d6f5c7b9-t5r4e.mesh-demo', type: 'Listener', error: nack, sent: 'n2' },
    ]);
  });

  it('reports every rejected type of every proxy, naming the type by its last segment', () => {
    const one = synced('customer.mesh-demo');
    one.resources![CLUSTER] = { sent: 'n2', acked: 'n1', lastError: 'cluster: bad circuit breaker' };
    one.resources![ROUTE] = { sent: 'n2', acked: 'n1', lastError: 'route: bad regex' };
    const two = synced('partner.mesh-demo');
    two.resources![LISTENER] = { sent: 'n5', lastError: nack };
    assert.deepEqual(
      rejections([one, two]).map((r) => `${r.proxy} ${r.type}`),
      ['customer.mesh-demo Cluster', 'customer.mesh-demo RouteConfiguration', 'partner.mesh-demo Listener'],
    );
  });

  it('ignores a lastError istiod kept after the proxy accepted a later push (sent == acked)', () => {
    const recovered = synced('customer.mesh-demo');
    recovered.resources![ROUTE] = { sent: 'n4', acked: 'n4', lastError: 'missing ): (Safari' };
    assert.deepEqual(rejections([recovered]), []);
  });

  it('with sentSince, leaves out a rejected push sent before then (the step before, still awaiting the next push)', () => {
    const proxy = synced('customer.mesh-demo');
    proxy.resources![ROUTE] = { sent: 'n6', acked: 'n5', sentTime: '2026-12-01T11:25:12.400Z', lastError: 'missing ): (Safari' };
    assert.deepEqual(rejections([proxy], Date.parse('2026-12-01T11:25:12.500Z')), []);
    assert.equal(rejections([proxy], Date.parse('2026-12-01T11:25:12.300Z')).length, 1);
  });

  it('reports nothing for proxies without errors or without a resources map', () => {
    const { resources: _resources, ...bare } = synced('old-istiod.mesh-demo');
    const cleared = synced('customer.mesh-demo');
    cleared.resources![LISTENER] = { sent: 'n3', acked: 'n3', lastError: '' };
    assert.deepEqual(rejections([bare as ProxySync, cleared]), []);
  });
});

describe('lastingRejections', () => {
  const rejection = (sent: string) => ({ proxy: 'customer.mesh-demo', type: 'RouteConfiguration', error: 'missing ): (Safari', sent });

  it('counts a push that stays rejected for the settle time, not before', () => {
    const seen = new Map<string, number>();
    assert.deepEqual(lastingRejections([rejection('n7')], seen, 1000, 1000), []);
    assert.deepEqual(lastingRejections([rejection('n7')], seen, 1999, 1000), []);
    assert.deepEqual(lastingRejections([rejection('n7')], seen, 2000, 1000), [rejection('n7')]);
  });

  it("starts over when the error shows against a newer push: the step before's error awaiting its ACK, which the proxy then accepts", () => {
    const seen = new Map<string, number>();
    lastingRejections([rejection('n7')], seen, 0, 1000);
    // istiod sent n8; until the proxy answers it, the error of n7 still shows, now against n8.
    assert.deepEqual(lastingRejections([rejection('n8')], seen, 1500, 1000), []);
    assert.deepEqual(lastingRejections([], seen, 1600, 1000), []);
  });
});
