// mesh view --tui: the graph as lines a terminal shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ViewGraph } from '../../src/view/model.ts';
import { formatGraph } from '../../src/view/tui.ts';

const node = (app: string, version: string, hits: number, shadow = 0) => ({
  id: `${app}:${version}`,
  app,
  version,
  kind: 'workload' as const,
  column: 1,
  pods: 1,
  hitsPerSecond: hits,
  shadowHitsPerSecond: shadow,
});

describe('formatGraph', () => {
  it('lists the workloads with their hits, then each edge with its rate, share or kind, errors, latency and mTLS', () => {
    const graph: ViewGraph = {
      at: Date.parse('2026-12-01T12:00:00Z'),
      windowSeconds: 4,
      step: ['04b-mirror-customer-50'],
      nodes: [
        { id: 'ingress', app: 'ingress', version: null, kind: 'ingress', column: 0, pods: 1, hitsPerSecond: 0, shadowHitsPerSecond: 0 },
        node('customer', 'v1', 20),
        node('customer', 'v2', 0, 10),
      ],
      edges: [
        {
          from: 'ingress',
          to: 'customer:v1',
          kind: 'request',
          requestsPerSecond: 20,
          share: 1,
          errorRate: 0,
          p50Ms: 5.25,
          p99Ms: 40,
          mtls: true,
        },
        {
          from: 'ingress',
          to: 'customer:v2',
          kind: 'mirror',
          requestsPerSecond: 10,
          share: 0,
          errorRate: 0,
          p50Ms: null,
          p99Ms: null,
          mtls: true,
        },
        {
          from: 'preference:v1',
          to: 'recommendation:*',
          kind: 'aborted',
          requestsPerSecond: 3,
          share: 0.5,
          errorRate: 1,
          p50Ms: null,
          p99Ms: null,
          mtls: false,
        },
      ],
      unreadable: [{ pod: 'partner-v1-x', error: 'connect ECONNREFUSED' }],
    };
    const lines = formatGraph(graph).split('\n');
    assert.match(lines[0]!, /^step 04b-mirror-customer-50 {3}rates over 4 s/);
    assert.ok(lines.some((l) => /customer v2 +1 pod\(s\) +0\.0 hits\/s \+ 10 shadow/.test(l)));
    assert.ok(lines.includes('  ingress        -->  customer:v1       20/s   100%               p50 5.3 p99 40 ms  mTLS'));
    assert.ok(lines.some((l) => /ingress +~~> +customer:v2 +10\/s +mirror +mTLS$/.test(l)));
    assert.ok(lines.some((l) => /preference:v1 +-x> +recommendation:\* +3\.0\/s +aborted +err 100%$/.test(l)));
    assert.equal(lines.at(-1), '  stats not read from partner-v1-x: connect ECONNREFUSED');
  });

  it('says how to get traffic when the window saw none', () => {
    const text = formatGraph({ at: 0, windowSeconds: 4, step: [], nodes: [], edges: [], unreadable: [] });
    assert.ok(text.includes('no traffic in the window: send some (./pnpmw loop)'));
  });
});
