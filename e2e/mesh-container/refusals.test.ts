// The mesh container's refusals: one line each, no stack, nothing left: not privileged, a bad step, a taken port, no engine.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { projectResources } from '../images/support/compose-stack.ts';
import { docker, MESH_IMAGE, meshStack, RUN_FLAGS, STACK_FRAME } from './support/container.ts';

/** The lines the container's entry printed about itself. */
const entryLines = (output: string) => output.split('\n').filter((line) => line.startsWith('mesh-container: '));

describe('the mesh container refuses what it cannot run, in one line', () => {
  const names: string[] = [];
  after(async () => {
    if (names.length) await docker(['rm', '--force', ...names]);
  });

  /** `docker run` of the image as a container of its own (removed after the suite), with these flags, to its end. */
  const runMesh = (label: string, flags: readonly string[]) => {
    const name = `mesh-demo-e2e-${label}-${process.pid}`;
    names.push(name);
    return docker(['run', '--name', name, '--init', ...flags, MESH_IMAGE]);
  };

  it('started without --privileged, it says it must run privileged, names what it lacks, and exits 1', async () => {
    const run = await runMesh('unprivileged', []);
    assert.equal(run.code, 1, run.output);
    const lines = entryLines(run.output);
    assert.equal(lines.length, 1, run.output);
    assert.match(
      lines[0]!,
      /^mesh-container: the mesh container must run privileged \(docker run --privileged, .*\).* lacks .*CAP_SYS_ADMIN/,
    );
    assert.doesNotMatch(run.output, STACK_FRAME);
  });

  it('given cap_add alone (no /proc/sys to write), it still refuses, naming /proc/sys', async () => {
    const run = await runMesh('caps-only', ['--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_ADMIN', '--cap-add', 'SYS_PTRACE']);
    assert.equal(run.code, 1, run.output);
    assert.match(entryLines(run.output).join('\n'), /must run privileged.*lacks \/proc\/sys is read-only$/);
  });

  it("a MESH_STEP that names no step stops it with the CLI's own line, after taking down what it started", async () => {
    const run = await runMesh('bad-step', [...RUN_FLAGS, '--tmpfs', '/run:rw,exec', '-e', 'MESH_STEP=no-such-step']);
    assert.notEqual(run.code, 0, run.output);
    assert.match(run.output, /^mesh: .*no-such-step.*$/m);
    assert.match(run.output, /mesh-container: mesh up failed \(exit \d+\); taking down what it started/);
    assert.doesNotMatch(run.output, STACK_FRAME);
  });

  it('a host port already taken stops compose up with that port named, and leaves nothing', async () => {
    const s = await meshStack('mesh-demo-e2e-mesh-port');
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(s.port('CUSTOMER_PORT'), '127.0.0.1', resolve));
    try {
      const up = await s.compose(['up', '--wait']);
      assert.notEqual(up.code, 0, up.output);
      assert.match(up.output, new RegExp(`127\\.0\\.0\\.1:${s.port('CUSTOMER_PORT')}.*(address already in use|port is already allocated)`));
    } finally {
      await s.compose(['down', '--remove-orphans', '--volumes']);
      await new Promise((resolve) => holder.close(resolve));
    }
    assert.deepEqual(await projectResources('mesh-demo-e2e-mesh-port'), { containers: [], networks: [], volumes: [] });
  });

  it('with no engine answering, compose says so in one line and exits non-zero', async () => {
    const s = await meshStack('mesh-demo-e2e-mesh-no-engine');
    const up = await s.compose(['up', '--wait'], { DOCKER_HOST: `unix:///tmp/mesh-demo-no-engine-${process.pid}.sock` });
    assert.notEqual(up.code, 0);
    assert.match(
      up.output,
      /Cannot connect to the Docker daemon at unix:\/\/\/tmp\/mesh-demo-no-engine-\d+\.sock\. Is the docker daemon running\?/,
    );
    assert.doesNotMatch(up.output, STACK_FRAME);
  });
});
