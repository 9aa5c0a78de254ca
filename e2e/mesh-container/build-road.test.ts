// The mesh image's own road to its tools: Go from the module proxy and `install-tools.sh` in the Dockerfile's build stage.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { docker, ok } from './support/container.ts';

const TAG = `mesh-demo-e2e/mesh-go-tools:${process.pid}`;
/**
 * A few of the tools, not all: every kind of source the stage uses (a Go build from the module proxy, a file copied out
 * of a Go module, Debian's etcd by apt-get download, a Maven Central jar) in minutes, where the whole set takes about
 * half an hour on 2 cores (docs/mesh-container.md has that build's figures). CI's image takes the host's builds of all.
 */
const TOOLS = 'helm istio-bootstrap etcd zipkin';

describe("the Dockerfile's go-tools stage (MESH_TOOLS=build, the road a user's docker compose takes)", () => {
  after(async () => {
    await docker(['rmi', '--force', TAG]);
  });

  it(`builds ${TOOLS} from their sources in the build stage, each stamped with its pinned version`, async () => {
    ok(
      await docker(
        [
          'build',
          '--file',
          'packages/mesh/container/Dockerfile',
          '--target',
          'go-tools',
          '--build-arg',
          `MESH_TOOLS_ONLY=${TOOLS}`,
          '--tag',
          TAG,
          '.',
        ],
        { DOCKER_BUILDKIT: '1' },
      ),
      'docker build --target go-tools',
    );
    const check = ok(
      await docker([
        'run',
        '--rm',
        '--entrypoint',
        'sh',
        TAG,
        '-c',
        '. tools/versions.sh && .tools/bin/helm version --template "{{.Version}}" && echo && cat .tools/bin/helm.version && ' +
          '.tools/etcd/usr/bin/etcd --version | head -1 && test -s .tools/istio/envoy_bootstrap_tmpl.json && echo bootstrap && ' +
          'basename .tools/zipkin/*.jar && echo "$HELM_VERSION"',
      ]),
      'the built tools',
    );
    const [helmVersion, helmStamp, etcd, bootstrap, zipkin, pinned] = check.stdout.trim().split('\n');
    assert.equal(helmVersion, pinned, 'helm reports the version tools/versions.sh pins');
    assert.match(helmStamp!, new RegExp(`^helm\\.sh/helm/v3/cmd/helm@${pinned}`));
    assert.match(etcd!, /^etcd Version: 3\.4\.23/);
    assert.equal(bootstrap, 'bootstrap');
    assert.match(zipkin!, /^zipkin-server-[\d.]+-slim\.jar$/);
  });
});
