// What `./pnpmw start` makes of the README's ports: free, our chain already there, or held by something else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultInstances } from '@mesh-demo/workspace';
import { freePairs, type PortProbe, portsState } from '../src/start-plan.ts';

function probe(taken: number[], ours: boolean): PortProbe {
  return { isFree: async (port) => !taken.includes(port), answersAsService: async () => ours };
}
const chainPorts = defaultInstances().flatMap((i) => [i.port, i.managementPort]);

describe('portsState', () => {
  it('is free when no port of the instances is taken', async () => {
    assert.deepEqual(await portsState(defaultInstances(), probe([8090], false)), { kind: 'free' });
  });

  it('is running when every port is taken and every instance answers as one of ours', async () => {
    assert.deepEqual(await portsState(defaultInstances(), probe(chainPorts, true)), { kind: 'running' });
  });

  it('is taken, naming the ports, when only some are taken or the ports do not answer as ours', async () => {
    assert.deepEqual(await portsState(defaultInstances(), probe([8082], true)), { kind: 'taken', ports: [8082] });
    assert.deepEqual(await portsState(defaultInstances(), probe(chainPorts, false)), { kind: 'taken', ports: chainPorts });
  });

  it('judges only the instances asked for: one service alone', async () => {
    const recommendation = defaultInstances().filter((i) => i.name === 'recommendation');
    assert.deepEqual(await portsState(recommendation, probe([8080, 9080], false)), { kind: 'free' });
  });
});

describe('freePairs', () => {
  it('takes the next pairs from 8084/9084 on, skipping a pair with either port taken', async () => {
    assert.deepEqual(await freePairs(2, probe([9084, 8086], false)), [
      [8085, 9085],
      [8087, 9087],
    ]);
    assert.deepEqual(await freePairs(0, probe([], false)), []);
  });

  it('fails in one line when the range has no room', async () => {
    await assert.rejects(freePairs(1, probe([], false), 8084, 8083), /^Error: only 0 of the 1 port pairs wanted are free in 8084-8083/);
  });
});
