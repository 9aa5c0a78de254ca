// Which taint untaintNode removes, and when a Node counts as Ready.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOT_READY_TAINT, type NodeObject, nodeIsReady, taintsWithoutNotReady } from '../../src/cluster/node-taint.ts';

const node = (taints: { key: string; effect: string }[], ready: string): NodeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'mdtest-node' },
  spec: { taints },
  status: { conditions: [{ type: 'Ready', status: ready }] },
});

describe('not-ready taint', () => {
  it('removes only the not-ready taint, keeping the others', () => {
    const kept = { key: 'example.com/dedicated', effect: 'NoSchedule' };
    assert.deepEqual(taintsWithoutNotReady(node([{ key: NOT_READY_TAINT, effect: 'NoSchedule' }, kept], 'True')), [kept]);
  });

  it('has nothing to do when the taint is gone already', () => {
    assert.equal(taintsWithoutNotReady(node([], 'True')), undefined);
  });

  it('counts a Node as Ready only on its Ready condition being True', () => {
    assert.equal(nodeIsReady(node([], 'True')), true);
    assert.equal(nodeIsReady(node([], 'Unknown')), false);
    assert.equal(nodeIsReady({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }), false);
  });
});
