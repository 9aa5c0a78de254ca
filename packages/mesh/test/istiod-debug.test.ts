// What a step's wait reads from istiod's view: the keys of the config it must hold, and the objects an Envoy error points at.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configKeys, suspects } from '../src/istiod-debug.ts';
import type { KubeObject } from '../src/kube.ts';

/** The blue/green step's VirtualService with the Safari match, its regex broken as a person might break it. */
const safariRoute: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'recommendation', namespace: 'mesh-demo', resourceVersion: '4711' },
  spec: {
    hosts: ['recommendation'],
    http: [
      {
        match: [{ headers: { 'baggage-user-agent': { regex: '.*(Safari' } } }],
        route: [{ destination: { host: 'recommendation', subset: 'v2' } }],
      },
      { route: [{ destination: { host: 'recommendation', subset: 'v1' } }] },
    ],
  },
};

const subsets: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'recommendation', namespace: 'mesh-demo', resourceVersion: '4712' },
  spec: {
    host: 'recommendation',
    subsets: [
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ],
  },
};

/** An EnvoyFilter asking for an HTTP filter this Envoy does not have. */
const missingFilter: KubeObject = {
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'EnvoyFilter',
  metadata: { name: 'add-header', namespace: 'istio-system', resourceVersion: '4800' },
  spec: {
    configPatches: [
      {
        applyTo: 'HTTP_FILTER',
        match: { context: 'SIDECAR_INBOUND' },
        patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.filters.http.nonexistent' } },
      },
    ],
  },
};

describe('suspects', () => {
  it('names the object holding the value Envoy quotes (a regex it cannot compile), as Kind namespace/name', () => {
    const error = "Error adding/updating listener(s) virtualOutbound: Invalid regex '.*(Safari': missing ): .*(Safari";
    assert.deepEqual(suspects(error, [subsets, safariRoute, missingFilter]), ['VirtualService mesh-demo/recommendation']);
  });

  it('names an EnvoyFilter by the filter name it asks for', () => {
    const error = "Didn't find a registered implementation for 'envoy.filters.http.nonexistent' with type URL: ''";
    assert.deepEqual(suspects(error, [subsets, safariRoute, missingFilter]), ['EnvoyFilter istio-system/add-header']);
  });

  it('does not match on numbers, addresses or words of three letters or fewer', () => {
    const error = 'duplicate listener 0.0.0.0_8080 found: bad on 8080';
    const onPort8080: KubeObject = {
      ...subsets,
      spec: { host: 'bad', trafficPolicy: { portLevelSettings: [{ port: { number: 8080 } }] } },
    };
    assert.deepEqual(suspects(error, [onPort8080]), []);
  });

  it('names every object that holds a quoted value, in the order given, and passes over objects without a spec', () => {
    const twin = { ...safariRoute, metadata: { ...safariRoute.metadata, name: 'recommendation-canary' } };
    const bare: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Safari', namespace: 'mesh-demo' } };
    assert.deepEqual(suspects("Invalid regex '.*(Safari'", [twin, bare, safariRoute]), [
      'VirtualService mesh-demo/recommendation-canary',
      'VirtualService mesh-demo/recommendation',
    ]);
  });
});

describe('configKeys', () => {
  it("keys each object as istiod's configz does (Kind namespace/name) with its resourceVersion", () => {
    assert.deepEqual(
      configKeys([safariRoute, subsets, missingFilter]),
      new Map([
        ['VirtualService mesh-demo/recommendation', '4711'],
        ['DestinationRule mesh-demo/recommendation', '4712'],
        ['EnvoyFilter istio-system/add-header', '4800'],
      ]),
    );
  });

  it('leaves the namespace empty for a cluster-scoped object and the version empty when there is none', () => {
    const unversioned: KubeObject = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'customer-gateway' } };
    assert.deepEqual(configKeys([unversioned]), new Map([['Gateway /customer-gateway', '']]));
  });
});
