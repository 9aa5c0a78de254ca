// Negative controls: broken steps the suite must catch (a dangling subset, swapped weights, config a webhook or Envoy refuses).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseObjects } from '@mesh-demo/mesh';
import { stringify } from 'yaml';
import { splitOf } from './support/checks.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { applyManifest, applyStep, assertShare, render, send, versionAt } from './support/mesh.ts';

/** The checks the 03a and 03b steps pass, as one function a broken step must make throw. */
async function splitCheck(p: number): Promise<void> {
  const split = await splitOf(200);
  assertShare(split.v2, 200, p, 'share of recommendation v2');
}

describe('negative controls', () => {
  before(async () => {
    await ensureMesh();
  });

  it('the 03a check passes on the real step', async () => {
    await applyStep('03a-blue-green-50-50');
    await splitCheck(0.5);
  });

  it("a route to a subset the DestinationRule lacks (the old demo's version-v2) makes the 03a check fail", async () => {
    const manifest = (await render('03a-blue-green-50-50')).replace(/subset: v2/g, 'subset: version-v2');
    await applyManifest(manifest, '03a with a dangling subset');
    await assert.rejects(splitCheck(0.5), /failed: 503 /);
  });

  it('weights swapped to 75/25 make the 03b check fail', async () => {
    const objects = parseObjects(await render('03b-canary-25-75'));
    const route = objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'recommendation')!.spec as {
      http: { route: { weight: number }[] }[];
    };
    const weights = route.http.at(-1)!.route;
    assert.deepEqual(
      weights.map((r) => r.weight),
      [25, 75],
    );
    for (const [i, r] of weights.reverse().entries()) r.weight = [25, 75][i]!;
    await applyManifest(objects.map((o) => stringify(o)).join('---\n'), '03b with swapped weights');
    await assert.rejects(splitCheck(0.75), /share of recommendation v2: \d+ of 200, expected 150/);
  });

  it("an invalid VirtualService (an RE2 header regex that does not parse) is refused by istiod's webhook, and the step before keeps running", async () => {
    await applyStep('02-mesh');
    const manifest = (await render('resilience-route-user-agent')).replace('regex: ".*Safari.*"', 'regex: "(Safari"');
    await assert.rejects(
      applyManifest(manifest, 'an invalid VirtualService'),
      /admission webhook "validation\.istio\.io" denied the request: configuration is invalid: .*error parsing regexp: missing closing \): `\(Safari`.*; the step before keeps running$/,
    );
    // Nothing of the refused step went in: no VirtualService routes on the user agent, and the chain answers as in 02.
    const sent = await send(20);
    assert.deepEqual([...new Set(sent.map((s) => s.status))], [200]);
    assert.ok(sent.every((s) => versionAt(s, 'recommendation') === 'v1'));
  });

  it('config Envoy rejects (an EnvoyFilter adding a filter upstream Envoy lacks) fails the step and names the proxy and the resource', async () => {
    // istiod knows istio.stats and lets the filter through; the upstream Envoy here has no such filter and NACKs it.
    const filter = stringify({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name: 'stats-upstream-lacks', namespace: 'mesh-demo' },
      spec: {
        workloadSelector: { labels: { app: 'recommendation' } },
        configPatches: [
          {
            applyTo: 'HTTP_FILTER',
            match: {
              context: 'SIDECAR_INBOUND',
              listener: {
                filterChain: {
                  filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } },
                },
              },
            },
            patch: {
              operation: 'INSERT_BEFORE',
              value: { name: 'istio.stats', typed_config: { '@type': 'type.googleapis.com/stats.PluginConfig' } },
            },
          },
        ],
      },
    });
    await assert.rejects(
      applyManifest(`${await render('02-mesh')}\n---\n${filter}`, 'a filter Envoy rejects'),
      /^Error: Envoy rejected the config for recommendation-v1-[a-z0-9]{1,10}-[a-z0-9]{5}\.mesh-demo \(Listener\): .*istio\.stats.*; it comes from EnvoyFilter mesh-demo\/stats-upstream-lacks\. The proxies keep the last config they accepted$/,
    );
    // Back to a good step: the suite's other files start from a clean mesh.
    await applyStep('02-mesh');
  });
});
