// The mesh container's checks, on fake probes: which container is refused, for what, and in which words.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkKernel, checkPrivileged, missingCaps, type Probe } from '../src/container/preflight.ts';
import { stepFiles } from '../src/container/step.ts';

/** A privileged container's CapEff on a machine with every capability (bits 0-40). */
const ALL_CAPS = '000001ffffffffff';
/** Docker's default set for a container without --privileged or cap_add. */
const DOCKER_DEFAULT_CAPS = '00000000a80425fb';
const FILESYSTEMS = 'nodev\tsysfs\nnodev\ttmpfs\nnodev\toverlay\n\text4\n';

/** A probe of a kernel that has everything, with `broken` features failing (by the command that tries them). */
function probe(options: { caps?: string; procSys?: boolean; filesystems?: string; broken?: string[]; modprobeFixes?: boolean } = {}) {
  const ran: string[] = [];
  const broken = new Set(options.broken ?? []);
  const fake: Probe = {
    effectiveCaps: async () => options.caps ?? ALL_CAPS,
    procSysWritable: async () => options.procSys ?? true,
    filesystems: async () => options.filesystems ?? FILESYSTEMS,
    async run(command, args) {
      const line = [command, ...args].join(' ');
      ran.push(line);
      if (command === 'modprobe') {
        if (options.modprobeFixes) broken.clear();
        return options.modprobeFixes ? undefined : `modprobe: FATAL: Module ${args[0]} not found`;
      }
      for (const feature of broken) if (line.includes(feature)) return `${command}: failed`;
      return undefined;
    },
  };
  return { fake, ran };
}

describe('the privileged check', () => {
  it('passes a container with every capability and a writable /proc/sys', async () => {
    assert.equal(await checkPrivileged(probe().fake), undefined);
  });

  it("refuses Docker's default container, naming the capabilities it lacks", async () => {
    const refusal = await checkPrivileged(probe({ caps: DOCKER_DEFAULT_CAPS, procSys: false }).fake);
    assert.match(refusal!, /^the mesh container must run privileged \(docker run --privileged/);
    assert.match(refusal!, /lacks CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_SYS_PTRACE, \/proc\/sys is read-only$/);
    assert.doesNotMatch(refusal!, /\n/);
  });

  it('refuses capabilities without a writable /proc/sys (cap_add without privileged)', async () => {
    assert.match((await checkPrivileged(probe({ procSys: false }).fake))!, /lacks \/proc\/sys is read-only$/);
  });

  it('reads capability bits from the CapEff mask, not a fixed string', () => {
    assert.deepEqual(missingCaps(ALL_CAPS), []);
    assert.deepEqual(missingCaps((1n << 12n).toString(16)), ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE']);
    assert.deepEqual(missingCaps('0'), ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE']);
  });
});

describe('the kernel check', () => {
  it('passes a kernel with overlay, veth, bridge, br_netfilter and iptables nat, removing its probe links', async () => {
    const { fake, ran } = probe();
    assert.equal(await checkKernel(fake), undefined);
    assert.ok(ran.includes('ip link del mdprobe0') && ran.includes('ip link del mdprobe2'), ran.join('\n'));
    assert.ok(!ran.some((line) => line.startsWith('modprobe')), 'nothing to load');
  });

  it('names a missing overlay filesystem with why the mesh needs it and what to run', async () => {
    const refusal = await checkKernel(probe({ filesystems: 'nodev\tsysfs\n' }).fake);
    assert.equal(
      refusal,
      "the kernel under this container lacks overlay (each pod's root filesystem); load it on the host (sudo modprobe " +
        'overlay), or, under Docker Desktop or a Podman machine, use a VM whose kernel has it',
    );
  });

  it('names every missing module at once, in one line', async () => {
    const refusal = await checkKernel(probe({ broken: ['type veth', 'bridge-nf-call-iptables'] }).fake);
    assert.match(
      refusal!,
      /lacks veth \(the pods' network links\), br_netfilter \(kube-proxy's rules .*\); load them on the host \(sudo modprobe veth br_netfilter\)/,
    );
    assert.doesNotMatch(refusal!, /\n/);
  });

  it('passes when modprobe inside the container loads what was missing', async () => {
    const { fake, ran } = probe({ broken: ['-t nat'], modprobeFixes: true });
    assert.equal(await checkKernel(fake), undefined);
    assert.ok(ran.includes('modprobe iptable_nat'), ran.join('\n'));
  });
});

describe('MESH_STEP', () => {
  it('defaults to step 02 when unset', () => {
    assert.deepEqual(stepFiles(undefined), ['02-mesh']);
  });

  it('takes several steps, comma- or space-separated, in order', () => {
    assert.deepEqual(stepFiles('02-mesh, 03b-canary-25-75 resilience-fault-delay'), [
      '02-mesh',
      '03b-canary-25-75',
      'resilience-fault-delay',
    ]);
  });

  it('refuses an empty value in one line naming the default', () => {
    assert.equal(stepFiles(' , '), 'MESH_STEP is empty; name a step, e.g. MESH_STEP=02-mesh (unset, it is 02-mesh)');
  });
});
