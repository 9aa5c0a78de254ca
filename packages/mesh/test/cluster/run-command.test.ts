// A short command's failure comes back as one line: what failed and the last thing it said.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureLine, runCommand } from '../../src/cluster/run-command.ts';

describe('runCommand', () => {
  it('names the command and keeps the last lines it printed, joined on one line', async () => {
    const script = 'echo progress; echo "Error: INSTALLATION FAILED: namespaces \\"x\\" not found" >&2; exit 1';
    await assert.rejects(runCommand('sh', ['-c', script], { label: 'helm upgrade --install' }), {
      name: 'MeshError',
      message: 'helm upgrade --install failed: Error: INSTALLATION FAILED: namespaces "x" not found',
    });
  });

  it('says which binary is missing', async () => {
    await assert.rejects(runCommand('/nonexistent/kube', [], { label: 'kubectl apply' }), {
      message: 'kubectl apply: /nonexistent/kube not found',
    });
  });

  it('feeds input on stdin and returns the output', async () => {
    assert.equal((await runCommand('cat', [], { input: 'kind: Service\n' })).stdout, 'kind: Service\n');
  });

  it('joins the last meaningful lines, skipping blank ones', () => {
    assert.equal(failureLine('a\n\nb\n  c  \n\n', 2), 'b | c');
  });
});
