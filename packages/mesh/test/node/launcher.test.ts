// A container's start script: its root is an overlay of this machine's, its mounts never escape that root, exec is last.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { launchScript, resolveInRoot, shQuote } from '../../src/node/launcher.ts';
import type { ContainerPlan } from '../../src/node/plan.ts';

const plan: ContainerPlan = {
  name: 'istio-proxy',
  role: 'sidecar',
  image: 'docker.io/istio/proxyv2:1.31',
  imageID: 'local://proxyv2',
  argv: ['/usr/local/bin/pilot-agent', 'proxy', 'sidecar', "--x='y'"],
  workingDir: '/',
  env: { A: '1' },
  uid: 1337,
  gid: 1337,
  groups: [],
  files: { '/usr/local/bin/pilot-agent': '/opt/tools/pilot-agent' },
  mounts: [
    { volume: 'istio-token', target: '/var/run/secrets/tokens', readOnly: true },
    { volume: 'config', target: '/etc/istio/config/mesh', subPath: 'mesh', readOnly: false },
  ],
  readOnlyRoot: true,
};

const paths = {
  dir: '/run/mesh-demo/pods/u1/containers/istio-proxy',
  netns: '/run/netns/meshdemo-u1',
  etc: { hosts: '/p/hosts', resolvConf: '/p/resolv.conf', hostname: '/p/hostname' },
  volume: (name: string) => `/run/mesh-demo/pods/u1/volumes/${name}`,
  hostname: 'customer-v1-abc',
};

describe('container launch script', () => {
  it('builds an overlay root, binds files and volumes inside it, and execs the argv as the container user last', () => {
    const script = launchScript(plan, paths);
    assert.match(script, /mount -t overlay overlay -o "lowerdir=\/,upperdir=\$UPPER,workdir=\$WORK" "\$ROOT"/);
    assert.match(script, /mount --bind '\/opt\/tools\/pilot-agent' "\$ROOT"'\/usr\/local\/bin\/pilot-agent'\nmount -o remount,bind,ro/);
    assert.match(script, /mount --bind '\/run\/mesh-demo\/pods\/u1\/volumes\/config\/mesh' "\$ROOT"'\/etc\/istio\/config\/mesh'\n/);
    assert.match(script, /mount -o remount,ro "\$ROOT"\n/);
    const last = script.trimEnd().split('\n').at(-1)!;
    assert.equal(
      last,
      "exec chroot . 'setpriv' '--reuid=1337' '--regid=1337' '--clear-groups' '--no-new-privs' '--inh-caps=-all' '--bounding-set=-all' '--' 'env' '-i' '-C' '/' \"$@\" '/usr/local/bin/pilot-agent' 'proxy' 'sidecar' '--x='\\''y'\\'''",
    );
  });

  it('follows a symbolic link inside the root, never out of it (/var/run is /run)', () => {
    const root = mkdtempSync(join(tmpdir(), 'root-'));
    mkdirSync(join(root, 'run'));
    mkdirSync(join(root, 'var'));
    symlinkSync('/run', join(root, 'var', 'run'));
    symlinkSync('../run/x', join(root, 'var', 'rel'));
    assert.equal(resolveInRoot('/var/run/secrets/tokens', root), '/run/secrets/tokens');
    assert.equal(resolveInRoot('/var/rel/y', root), '/run/x/y');
    assert.equal(resolveInRoot('/etc/istio/config', root), '/etc/istio/config');
  });

  it('quotes anything for sh', () => {
    assert.equal(shQuote("a'b $(c)"), `'a'\\''b $(c)'`);
  });
});
