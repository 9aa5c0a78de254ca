// `mesh status` output: the step, the edge table, the aligned pod and control-plane tables, and whether every proxy holds istiod's push.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProcessStatus } from '../src/cluster/processes.ts';
import { formatStatus } from '../src/commands/status.ts';
import type { MeshStatus, PodStatus } from '../src/control.ts';
import { podStatus } from './pod-status.ts';

function pod(name: string, overrides: Partial<PodStatus> = {}): PodStatus {
  const [app = name, version = 'v1'] = name.split('-');
  return podStatus(name, { app, version }, overrides);
}

function proc(name: string, overrides: Partial<ProcessStatus> = {}): ProcessStatus {
  return { name, state: 'running', restarts: 0, log: `/run/mesh-demo/logs/${name}.log`, ...overrides };
}

function status(overrides: Partial<MeshStatus> = {}): MeshStatus {
  return {
    startedAt: Date.now() - 42_000,
    traces: { query: 'http://127.0.0.1:16686', ui: 'http://127.0.0.1:9411/zipkin/' },
    files: ['charts/mesh-demo/examples/02-mesh.yaml', 'charts/mesh-demo/examples/03a-blue-green-50-50.yaml'],
    ignored: [],
    edge: [
      {
        app: 'customer',
        url: 'http://localhost:8080',
        host: 'customer-mesh-demo.apps-crc.testing',
        target: 'istio-ingressgateway.istio-system',
        endpoints: 1,
      },
      {
        app: 'partner',
        url: 'http://localhost:8081',
        host: 'partner-mesh-demo.apps-crc.testing',
        target: 'istio-ingressgateway.istio-system',
        endpoints: 0,
      },
    ],
    pods: [
      pod('istio-ingressgateway-7f9c6d5b4-q8w2z', {
        namespace: 'istio-system',
        workload: 'istio-ingressgateway',
        proxy: 'router',
        service: null,
        ip: '10.244.1.1',
      }),
      pod('customer-v1-5c7d9f8b6a-x2x8k'),
      pod('recommendation-v2-6b8d7c9f5-m4n7p', { ip: '10.244.1.12', ready: false, phase: 'Starting', restarts: 3 }),
      pod('recommendation-v1-8d6f5c7b9-t5r4e', { ip: '10.244.1.13', ready: false, phase: 'Terminating', proxy: null }),
    ],
    unsynced: [],
    rejected: [],
    runDir: '/run/mesh-demo',
    processes: [
      proc('etcd', { pid: 4101 }),
      proc('kube-apiserver', { pid: 4188, restarts: 1, lastExit: 'exit 1' }),
      proc('kube-proxy', { state: 'restarting', restarts: 2, lastExit: 'SIGKILL' }),
      proc('node-api', { pid: 4230 }),
      proc('edge (envoy)', { pid: 4311 }),
    ],
    ...overrides,
  };
}

const linesOf = (text: string) => text.split('\n');

describe('formatStatus', () => {
  it('starts with the age and the step files joined by +', () => {
    assert.equal(
      linesOf(formatStatus(status()))[0],
      'local mesh up 42s, step charts/mesh-demo/examples/02-mesh.yaml + charts/mesh-demo/examples/03a-blue-green-50-50.yaml',
    );
  });

  it('gives the age in minutes from two minutes on, and says when no step was applied yet', () => {
    assert.match(linesOf(formatStatus(status({ startedAt: Date.now() - 90_000 })))[0]!, /^local mesh up 90s, /);
    assert.equal(
      linesOf(formatStatus(status({ startedAt: Date.now() - 10 * 60_000, files: [] })))[0],
      'local mesh up 10m, step (none yet)',
    );
  });

  it('names the kinds that are not run here, only when there are some', () => {
    assert.equal(formatStatus(status()).includes('not run here'), false);
    assert.equal(
      linesOf(formatStatus(status({ ignored: ['PodMonitor.monitoring.coreos.com', 'ServiceMonitor.monitoring.coreos.com'] })))[1],
      'not run here: PodMonitor.monitoring.coreos.com, ServiceMonitor.monitoring.coreos.com',
    );
  });

  it('says where the traces are: the trace UI and the Jaeger that ./pnpmw trace reads', () => {
    const lines = linesOf(formatStatus(status()));
    assert.ok(
      lines.includes("traces: http://127.0.0.1:9411/zipkin/ (the trace UI), http://127.0.0.1:16686 (Jaeger's query API, ./pnpmw trace)"),
      lines.join('\n'),
    );
  });

  it('lists each edge port with its host, target and ready endpoints', () => {
    const lines = linesOf(formatStatus(status()));
    const edge = lines.slice(lines.indexOf('EDGE') + 1, lines.indexOf('PODS') - 1);
    assert.deepEqual(edge, [
      '  http://localhost:8080  -> customer-mesh-demo.apps-crc.testing via istio-ingressgateway.istio-system (1 ready)',
      '  http://localhost:8081  -> partner-mesh-demo.apps-crc.testing via istio-ingressgateway.istio-system (0 ready)',
    ]);
  });

  it('aligns the pod table under its header, showing ready pods as ready and the others by phase', () => {
    const lines = linesOf(formatStatus(status()));
    const header = lines[lines.indexOf('PODS') + 1]!;
    const rows = lines.slice(lines.indexOf('PODS') + 2, lines.indexOf('PODS') + 6);
    const words = [...header.matchAll(/\S+/g)];
    assert.deepEqual(
      words.map((w) => w[0]),
      ['NAMESPACE', 'NAME', 'STATUS', 'IP', 'PROXY', 'RESTARTS'],
    );
    const columns = words.map((w) => w.index);
    const cells = rows.map((row) => columns.map((start, i) => row.slice(start, columns[i + 1]).trim()));
    assert.deepEqual(cells, [
      ['istio-system', 'istio-ingressgateway-7f9c6d5b4-q8w2z', 'ready', '10.244.1.1', 'router', '0'],
      ['mesh-demo', 'customer-v1-5c7d9f8b6a-x2x8k', 'ready', '10.244.1.2', 'sidecar', '0'],
      ['mesh-demo', 'recommendation-v2-6b8d7c9f5-m4n7p', 'starting', '10.244.1.12', 'sidecar', '3'],
      ['mesh-demo', 'recommendation-v1-8d6f5c7b9-t5r4e', 'terminating', '10.244.1.13', '-', '0'],
    ]);
    // A column starts two spaces after the widest cell of the one before it.
    assert.equal(columns[2]! - columns[1]!, 'istio-ingressgateway-7f9c6d5b4-q8w2z'.length + 2);
  });

  it('shows a draining pod as terminating even though its last probe found it ready', () => {
    const draining = pod('recommendation-v1-8d6f5c7b9-t5r4e', { phase: 'Terminating', ready: true });
    const row = linesOf(formatStatus(status({ pods: [draining] }))).find((line) => line.includes(draining.name))!;
    assert.match(row, /\bterminating\b/);
  });

  it('lists every control-plane process under CONTROL PLANE, aligned, with its state, pid, restarts and last exit', () => {
    const lines = linesOf(formatStatus(status()));
    const start = lines.indexOf('CONTROL PLANE');
    const header = lines[start + 1]!;
    const rows = lines.slice(start + 2, lines.indexOf('', start));
    const titles = ['PROCESS', 'STATE', 'PID', 'RESTARTS', 'LAST EXIT'];
    const columns = titles.map((title) => header.indexOf(title));
    assert.equal(header, '  PROCESS         STATE       PID   RESTARTS  LAST EXIT');
    const cells = rows.map((row) => columns.map((begin, i) => row.slice(begin, columns[i + 1]).trim()));
    assert.deepEqual(cells, [
      ['etcd', 'running', '4101', '0', ''],
      ['kube-apiserver', 'running', '4188', '1', 'exit 1'],
      ['kube-proxy', 'restarting', '-', '2', 'SIGKILL'],
      ['node-api', 'running', '4230', '0', ''],
      ['edge (envoy)', 'running', '4311', '0', ''],
    ]);
    // A row without a last exit ends at its restarts (no trailing blanks).
    assert.ok(rows.every((row) => row === row.trimEnd()));
  });

  it('shows the control-plane header alone while no process has started', () => {
    const lines = linesOf(formatStatus(status({ processes: [] })));
    const start = lines.indexOf('CONTROL PLANE');
    assert.equal(lines[start + 1], '  PROCESS  STATE  PID  RESTARTS  LAST EXIT');
    assert.equal(lines[start + 2], '');
  });

  it('counts the proxies in sync, or names the ones still syncing', () => {
    assert.ok(linesOf(formatStatus(status())).includes("config: all 3 proxies hold istiod's latest push"));
    const syncing = formatStatus(
      status({ unsynced: ['customer-v1-5c7d9f8b6a-x2x8k.mesh-demo', 'recommendation-v2-6b8d7c9f5-m4n7p.mesh-demo'] }),
    );
    assert.ok(
      linesOf(syncing).includes(
        'config: still syncing customer-v1-5c7d9f8b6a-x2x8k.mesh-demo, recommendation-v2-6b8d7c9f5-m4n7p.mesh-demo',
      ),
    );
  });

  it("ends with what Envoy rejected, one line per rejection, or 'nothing'", () => {
    assert.equal(linesOf(formatStatus(status())).at(-1), 'rejected by Envoy: nothing');
    const rejected = formatStatus(
      status({
        rejected: [{ proxy: 'customer-v1-5c7d9f8b6a-x2x8k.mesh-demo', type: 'Listener', error: 'duplicate listener 0.0.0.0_8080 found' }],
      }),
    );
    assert.deepEqual(linesOf(rejected).slice(-2), [
      'rejected by Envoy:',
      '  customer-v1-5c7d9f8b6a-x2x8k.mesh-demo Listener: duplicate listener 0.0.0.0_8080 found',
    ]);
  });
});
