// A supervised process: healthy before start resolves, restarted with back-off when it dies, stopped for good by stop.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@mesh-demo/workspace';
import { httpOk } from '../../src/cluster/health.ts';
import { type ProcessSpec, processArgv, reasonFromLog, restartDelayMs, SupervisedProcess } from '../../src/cluster/processes.ts';
import { stopRecorded } from '../../src/cluster/recorded-pids.ts';

describe('process rules', () => {
  it("runs a process in a network namespace through nsenter, which keeps the process's pid", () => {
    assert.deepEqual(processArgv({ command: '/bin/x', args: ['a'], netns: 'mdtest-node' }), [
      'nsenter',
      ['--net=/run/netns/mdtest-node', '--', '/bin/x', 'a'],
    ]);
    assert.deepEqual(processArgv({ command: '/bin/x', args: ['a'] }), ['/bin/x', ['a']]);
  });

  it('backs off like the kubelet, doubling from half a second, but caps at 5 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 9].map(restartDelayMs), [500, 1000, 2000, 4000, 5000, 5000]);
  });

  it("explains an exit with klog's or zap's error lines, as a person reads them, or the last lines when there are none", () => {
    const klog =
      'I1207 06:00:00.1 1 a.go:1] starting\nE1207 06:00:00.2 1 b.go:2] "bind: address already in use"\nI1207 06:00:00.3 1 c.go:3] bye\n';
    assert.equal(reasonFromLog(klog), '"bind: address already in use"');
    assert.equal(reasonFromLog('one\ntwo\nthree\n'), 'two | three');
    const zap = [
      '{"level":"info","msg":"starting"}',
      '{"level":"warn","msg":"failed to start etcd","error":"listen tcp 127.0.0.1:33790: bind: address already in use"}',
      '{"level":"fatal","msg":"discovery failed","error":"listen tcp 127.0.0.1:33790: bind: address already in use","stacktrace":"..."}',
    ].join('\n');
    assert.equal(reasonFromLog(zap, 1), 'discovery failed: listen tcp 127.0.0.1:33790: bind: address already in use');
  });
});

describe('SupervisedProcess', () => {
  let dir: string;
  let port: number;
  const server = (extra = ''): Omit<ProcessSpec, 'name'> => ({
    command: process.execPath,
    args: ['-e', `${extra}require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`],
    logFile: join(dir, 'server.log'),
    pidFile: join(dir, 'pids', 'server.pid'),
    healthy: httpOk(`http://127.0.0.1:${port}/`),
    stopTimeoutMs: 2_000,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mdtest-process-'));
    port = await freePort();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('resolves start once healthy, restarts the process when it dies, and stops it for good', async () => {
    const supervised = new SupervisedProcess({ name: 'server', ...server() });
    await supervised.start();
    const first = supervised.status();
    assert.equal(first.state, 'running');
    assert.equal((await readFile(join(dir, 'pids', 'server.pid'), 'utf8')).split('\n')[0], String(first.pid));
    process.kill(first.pid!, 'SIGKILL');
    for (let i = 0; i < 100 && (supervised.status().state !== 'running' || supervised.status().pid === first.pid); i++) await sleep(50);
    const second = supervised.status();
    assert.equal(second.state, 'running');
    assert.equal(second.restarts, 1);
    assert.equal(second.lastExit, 'SIGKILL');
    assert.notEqual(second.pid, first.pid);
    await supervised.stop();
    assert.equal(supervised.status().state, 'stopped');
    assert.equal(supervised.status().pid, undefined);
    await sleep(700);
    assert.equal(supervised.status().restarts, 1, 'a stopped process is not restarted');
  });

  it('rejects start with the reason from its log when the process exits before it is healthy', async () => {
    const supervised = new SupervisedProcess({ name: 'broken', ...server("console.error('F0000 fatal: no config');process.exit(3);") });
    await assert.rejects(supervised.start(), /broken exited \(exit 3\) while starting: F0000 fatal: no config \(log: .*server\.log\)/);
    assert.equal(supervised.status().state, 'failed');
  });

  it('stops a recorded process that its supervisor left behind, and only while the pid is still that command', async () => {
    const supervised = new SupervisedProcess({ name: 'server', ...server() });
    await supervised.start();
    const pid = supervised.status().pid!;
    // As after a crash of the supervisor: nobody stops it, only the pid file is left.
    assert.deepEqual(await stopRecorded(join(dir, 'pids'), undefined, 2_000), ['server']);
    assert.throws(() => process.kill(pid, 0));
    await supervised.stop();
  });
});
