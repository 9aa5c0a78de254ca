// The scraper's rounds: which pods it reads, what a pod that cannot be read becomes, and pods that go away.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MeshStatus, PodStatus } from '../../src/control.ts';
import { chartPorts, Scraper } from '../../src/view/scraper.ts';
import { podStatus } from '../pod-status.ts';

const pod = (name: string, app: string, version: string | undefined, ip: string, extra: Partial<PodStatus> = {}): PodStatus =>
  podStatus(name, { app, ...(version && { version }) }, { workload: `${app}-${version}`, ip, ...extra });

function status(pods: PodStatus[]): MeshStatus {
  return {
    startedAt: 0,
    traces: { query: 'http://127.0.0.1:16686', ui: 'http://127.0.0.1:9411/zipkin/' },
    files: ['/repo/charts/mesh-demo/examples/03b-canary-25-75.yaml'],
    ignored: [],
    edge: [],
    pods,
    unsynced: [],
    rejected: [],
    runDir: '/run/mesh-demo',
    processes: [],
  };
}

const stats = (requests: number) =>
  [
    '# TYPE envoy_cluster_upstream_rq_total counter',
    `envoy_cluster_upstream_rq_total{cluster_name="outbound|8080|v1|preference.mesh-demo.svc.cluster.local"} ${requests}`,
    'envoy_server_uptime 100',
  ].join('\n');

describe('Scraper', () => {
  it('reads every proxy of the status, names the step by its file, and turns two rounds into rates', async () => {
    let requests = 0;
    const pods = [
      pod('customer-v1-a', 'customer', 'v1', '10.244.1.2'),
      pod('preference-v1-a', 'preference', 'v1', '10.244.1.3'),
      pod('idle', 'x', 'v1', '', { proxy: null }),
    ];
    const asked: string[] = [];
    const scraper = new Scraper({
      status: async () => status(pods),
      windowSeconds: 5,
      fetchStats: async (ip) => {
        asked.push(ip);
        if (ip !== '10.244.1.2') return stats(0);
        requests += 10;
        return stats(requests);
      },
    });
    assert.deepEqual(scraper.graph(), { error: 'the first scrape has not finished yet' });
    await scraper.scrape();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const graph = await scraper.scrape();
    assert.deepEqual(asked.sort(), ['10.244.1.2', '10.244.1.2', '10.244.1.3', '10.244.1.3'], 'a pod without a proxy is not read');
    assert.deepEqual(graph.step, ['03b-canary-25-75']);
    assert.equal(graph.edges.length, 1);
    assert.equal(graph.edges[0]!.from, 'customer:v1');
    assert.ok(graph.edges[0]!.requestsPerSecond > 0);
    assert.equal(scraper.graph(), graph);
  });

  it('reports a pod it cannot read, with why, and keeps drawing the others', async () => {
    const scraper = new Scraper({
      status: async () =>
        status([pod('customer-v1-a', 'customer', 'v1', '10.244.1.2'), pod('preference-v1-a', 'preference', 'v1', '10.244.1.3')]),
      windowSeconds: 5,
      fetchStats: async (ip) => {
        if (ip === '10.244.1.3') throw new Error('connect ECONNREFUSED 10.244.1.3:15020');
        return stats(1);
      },
    });
    const graph = await scraper.scrape();
    assert.deepEqual(graph.unreadable, [{ pod: 'preference-v1-a', error: 'connect ECONNREFUSED 10.244.1.3:15020' }]);
    assert.deepEqual(
      graph.nodes.map((n) => n.id),
      ['customer:v1', 'preference:v1'],
    );
  });

  it("fails the round with the supervisor's reason when the mesh is gone, and serves that reason until a round works", async () => {
    const scraper = new Scraper({ status: async () => Promise.reject(new Error('no local mesh is running')), windowSeconds: 5 });
    await assert.rejects(scraper.scrape(), /no local mesh is running/);
    assert.deepEqual(scraper.graph(), { error: 'no local mesh is running' });
  });

  it("takes the ports from the chart's values (8080 public, 8090 shadow, 9000 management)", () => {
    assert.deepEqual(chartPorts(), { http: 8080, management: 9000, shadow: 8090 });
  });
});
