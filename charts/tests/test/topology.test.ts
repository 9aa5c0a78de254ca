// The chart keeps its own copy of the topology (_topology.tpl's calls, values.yaml's services and ingress, the helm test's
// expected chain); the services' definitions are its one home, so every copy is checked against them here.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFINITIONS } from '@mesh-demo/workspace';
import { type Doc, find, render } from '../src/render.ts';

type Definition = (typeof DEFINITIONS)[number];
const downstreamOf = (d: Definition): string | undefined => ('downstream' in d ? d.downstream : undefined);
const names = DEFINITIONS.map((d) => d.name);
const sorted = (xs: readonly string[]) => [...xs].sort();

describe('the chart follows the services definitions', () => {
  const objs = render();

  test('renders one Deployment per defined service, and no other', () => {
    const apps = objs.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.labels?.app ?? '');
    assert.deepEqual(sorted(apps), sorted(names));
  });

  test("gives each service exactly its definition's downstream URL (calls in _topology.tpl)", () => {
    for (const d of DEFINITIONS) {
      const env: Doc[] = find(objs, 'Deployment', `${d.name}-v1`).spec.template.spec.containers[0].env;
      const urls = env.filter((e) => e.name.endsWith('_URL')).map((e) => [e.name, e.value]);
      const next = downstreamOf(d);
      assert.deepEqual(urls, next ? [[`${next.toUpperCase()}_URL`, `http://${next}:8080`]] : [], d.name);
    }
  });

  test('exposes exactly the edge services through the ingress by default', () => {
    const gateways = objs.filter((o) => o.kind === 'Gateway').map((o) => o.metadata.labels?.app ?? '');
    assert.deepEqual(sorted(gateways), sorted(DEFINITIONS.filter((d) => d.edge).map((d) => d.name)));
  });

  test('lets in each service only the services whose definition calls it, and the ingress gateway only for edges', () => {
    const secured = render({ files: ['security-authorization.yaml'] });
    for (const d of DEFINITIONS) {
      const principals: string[] = find(secured, 'AuthorizationPolicy', d.name).spec.rules[0].from[0].source.principals;
      const callers = DEFINITIONS.filter((c) => downstreamOf(c) === d.name).map((c) => `cluster.local/ns/demo/sa/${c.name}`);
      const gateway = d.edge ? ['cluster.local/ns/istio-ingress/sa/istio-ingressgateway'] : [];
      assert.deepEqual(principals, [...gateway, ...callers], d.name);
    }
  });

  test('the helm test expects, from each edge, the chain its definitions make', () => {
    for (const d of DEFINITIONS.filter((x) => x.edge)) {
      const pod = objs.find((o) => o.kind === 'Pod' && o.metadata.name.endsWith(`-test-${d.name}`));
      assert.ok(pod, d.name);
      const expect: string = pod.spec.containers[0].env.find((e: Doc) => e.name === 'EXPECT').value;
      const chain: string[] = [];
      let hop: Definition | undefined = d;
      while (hop) {
        chain.push(hop.name);
        const next = downstreamOf(hop);
        hop = DEFINITIONS.find((x) => x.name === next);
      }
      assert.deepEqual(
        [...expect.matchAll(/([a-z]+) v\[0-9\]\+/g)].map((m) => m[1]),
        chain,
        expect,
      );
    }
  });
});
