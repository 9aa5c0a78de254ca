// Checks shared by the steps and by the negative controls, which must see them fail on a broken step.
import assert from 'node:assert/strict';
import { send, versionAt } from './mesh.ts';

/** How many of `count` customer requests each recommendation version answered; every one must succeed. */
export async function splitOf(count: number, headers: Record<string, string> = {}): Promise<{ v1: number; v2: number }> {
  const sent = await send(count, { headers });
  const failed = sent.filter((s) => s.status !== 200);
  assert.equal(
    failed.length,
    0,
    `failed: ${failed
      .slice(0, 3)
      .map((s) => `${s.status} ${s.text.slice(0, 1200)}`)
      .join(' | ')}`,
  );
  const v2 = sent.filter((s) => versionAt(s, 'recommendation') === 'v2').length;
  return { v1: count - v2, v2 };
}

interface WeightedCluster {
  name: string;
  weight: number;
}

/** The weights of the route to recommendation in an Envoy route config dump, by subset: {v1: 25, v2: 75}. */
export function recommendationWeights(dump: unknown): Record<string, number> {
  const text = JSON.stringify(dump);
  const routes: { match?: unknown; route?: { weighted_clusters?: { clusters: WeightedCluster[] } } }[] = [];
  // Walk every virtual host of every route config; the one for recommendation has its weighted clusters.
  const configs = (dump as { configs: { route_config?: { virtual_hosts?: { domains: string[]; routes: typeof routes }[] } }[] }).configs;
  for (const config of configs) {
    for (const host of config.route_config?.virtual_hosts ?? []) {
      if (host.domains.some((d) => d.startsWith('recommendation.mesh-demo.svc.cluster.local'))) routes.push(...host.routes);
    }
  }
  const weighted = routes.flatMap((r) => r.route?.weighted_clusters?.clusters ?? []);
  assert.ok(weighted.length > 0, `no weighted route to recommendation in Envoy's config (${text.length} bytes)`);
  const out: Record<string, number> = {};
  for (const cluster of weighted) out[cluster.name.split('|')[2]!] = cluster.weight;
  return out;
}
