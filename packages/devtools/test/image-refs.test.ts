// `images push` without an engine: which registries and tags it takes, the references it builds, the digests it reads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appVersionOf,
  BadValue,
  checkRegistry,
  checkTag,
  digestFromDockerPush,
  digestFromFile,
  digestRef,
  imageRef,
  isLoopbackRegistry,
  pushOptions,
  UsageError,
} from '../src/image-refs.ts';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const OTHER_DIGEST = `sha256:${'fedcba9876543210'.repeat(4)}`;
const noDefault = () => assert.fail('the default tag is read only when --tag is absent');

describe('checkRegistry', () => {
  it('takes a host with an optional port and path, as docker references name them', () => {
    for (const registry of [
      'quay.io/mesh-demo',
      '127.0.0.1:5000/mesh-demo',
      'localhost:5000',
      'localhost',
      'registry.example.com:8443/team/demo-apps',
      'image-registry.openshift-image-registry.svc:5000/mesh-demo',
      'ghcr.io/some_org/a.b__c',
      'docker.io/you',
    ]) {
      assert.equal(checkRegistry(registry), registry);
    }
  });

  it('drops trailing slashes, so REGISTRY/<service> never holds "//"', () => {
    assert.equal(checkRegistry('quay.io/mesh-demo/'), 'quay.io/mesh-demo');
  });

  it('refuses a scheme, naming what to give instead', () => {
    assert.throws(() => checkRegistry('https://quay.io/mesh-demo'), {
      message: '--registry "https://quay.io/mesh-demo": no scheme, please: give quay.io/mesh-demo',
    });
    assert.throws(() => checkRegistry('http://127.0.0.1:5000'), BadValue);
  });

  it('refuses a tag or a digest in the registry, pointing at --tag', () => {
    assert.throws(() => checkRegistry('quay.io/mesh-demo:v1'), {
      message: '--registry "quay.io/mesh-demo:v1": takes no tag; give the tag as --tag v1',
    });
    assert.throws(() => checkRegistry('quay.io:latest'), { message: /takes no tag; give the tag as --tag latest$/ });
    assert.throws(() => checkRegistry('quay.io/mesh-demo@sha256:abc'), { message: /takes no digest/ });
  });

  it('refuses a first part that is not a host: docker would send it to Docker Hub', () => {
    assert.throws(() => checkRegistry('mesh-demo'), { message: /start with a registry host .* e\.g\. docker\.io\/mesh-demo$/ });
    assert.throws(() => checkRegistry('mesh-demo/apps'), { message: /start with a registry host/ });
  });

  it('refuses a malformed host or port', () => {
    assert.throws(() => checkRegistry('quay..io/x'), { message: /"quay\.\.io" is not a registry host/ });
    assert.throws(() => checkRegistry('-quay.io/x'), { message: /is not a registry host/ });
    assert.throws(() => checkRegistry('localhost:99999/x'), { message: /port 99999 is not 1-65535/ });
    assert.throws(() => checkRegistry('localhost:0'), { message: /port 0 is not 1-65535/ });
    assert.throws(() => checkRegistry(' quay.io/x'), { message: /is not a registry host/ });
  });

  it('refuses path components docker would reject: uppercase, empty, or with other characters', () => {
    assert.throws(() => checkRegistry('quay.io/MeshDemo'), {
      message: '--registry "quay.io/MeshDemo": repository paths are lowercase ("MeshDemo")',
    });
    assert.throws(() => checkRegistry('quay.io//x'), { message: /empty path component/ });
    assert.throws(() => checkRegistry('quay.io/mesh demo'), { message: /"mesh demo" is not a repository path component/ });
    assert.throws(() => checkRegistry('quay.io/-x'), { message: /"-x" is not a repository path component/ });
    assert.throws(() => checkRegistry(''), { message: /want host\[:port\]\[\/path\]/ });
  });

  it('refuses a registry so long that REGISTRY/recommendation passes 255 characters', () => {
    const path = 'a'.repeat(240);
    assert.throws(() => checkRegistry(`quay.io/${path}`), { message: /too long/ });
    assert.equal(checkRegistry(`quay.io/${'a'.repeat(230)}`).length, 238);
  });

  it('says every refusal in one line', () => {
    for (const bad of ['https://x.io', 'quay.io/x:1', 'mesh', 'quay.io/A', 'quay..io']) {
      assert.throws(
        () => checkRegistry(bad),
        (error: Error) => error instanceof BadValue && !error.message.includes('\n'),
      );
    }
  });
});

describe('checkTag', () => {
  it('takes what docker takes as a tag', () => {
    for (const tag of ['0.1.0', 'e2e-1a2b3c4d', 'v1_rc.2', 'latest', 'A'.repeat(128)]) assert.equal(checkTag(tag), tag);
  });

  it('refuses an empty tag, a leading dot or dash, other characters and more than 128 characters', () => {
    for (const tag of ['', '.1', '-rc', 'v1/2', 'v1:2', 'a'.repeat(129)]) assert.throws(() => checkTag(tag), BadValue, tag);
  });
});

describe('appVersionOf', () => {
  it("reads the chart's appVersion, quoted or not, and ignores version and comments", () => {
    assert.equal(appVersionOf('apiVersion: v2\nname: mesh-demo\nversion: 0.1.0\nappVersion: "0.1.0"\n'), '0.1.0');
    assert.equal(appVersionOf("version: 9.9.9\nappVersion: '1.2.3' # the services' release\n"), '1.2.3');
    assert.equal(appVersionOf('appVersion: 2.0.0-rc.1\n'), '2.0.0-rc.1');
    assert.equal(appVersionOf('version: 0.1.0\n'), undefined);
  });
});

describe('pushOptions', () => {
  it('takes --registry, --tag and --engine', () => {
    assert.deepEqual(pushOptions({ registry: 'quay.io/mesh-demo', tag: '0.2.0', engine: 'podman' }, noDefault), {
      registry: 'quay.io/mesh-demo',
      tag: '0.2.0',
      engine: 'podman',
    });
    assert.deepEqual(pushOptions({ registry: '127.0.0.1:5000/mesh-demo/', tag: 'e2e' }, noDefault), {
      registry: '127.0.0.1:5000/mesh-demo',
      tag: 'e2e',
      engine: undefined,
    });
  });

  it('tags with the default (the chart appVersion) when --tag is absent', () => {
    assert.equal(pushOptions({ registry: 'quay.io/mesh-demo' }, () => '0.1.0').tag, '0.1.0');
  });

  it("refuses a missing --registry as a usage error (unknown options and arguments are the command parser's)", () => {
    assert.throws(() => pushOptions({ tag: '1' }, noDefault), { message: 'push wants --registry' });
    assert.throws(() => pushOptions({}, noDefault), UsageError);
  });

  it('refuses a bad value of a known option as a bad value, not a usage error', () => {
    assert.throws(() => pushOptions({ registry: 'quay.io/x', engine: 'rkt' }, () => '0.1.0'), {
      message: '--engine "rkt": want docker or podman',
    });
    assert.throws(() => pushOptions({ registry: 'quay.io/x', tag: '.x' }, noDefault), BadValue);
    assert.throws(() => pushOptions({ registry: 'https://quay.io/x' }, () => '0.1.0'), BadValue);
  });
});

describe('references', () => {
  it('name an image REGISTRY/<service>:TAG and a pushed one REGISTRY/<service>@DIGEST', () => {
    assert.equal(imageRef('quay.io/mesh-demo', 'customer', '0.1.0'), 'quay.io/mesh-demo/customer:0.1.0');
    assert.equal(digestRef('127.0.0.1:5000/mesh-demo', 'recommendation', DIGEST), `127.0.0.1:5000/mesh-demo/recommendation@${DIGEST}`);
  });
});

describe('digestFromDockerPush', () => {
  const output = (tag: string, digest: string) =>
    [
      'The push refers to repository [127.0.0.1:5000/mesh-demo/customer]',
      '5f70bf18a086: Preparing',
      '5f70bf18a086: Layer already exists',
      'a1c2e3f4b5d6: Pushed',
      `${tag}: digest: ${digest} size: 1993`,
      '',
    ].join('\n');

  it('reads the digest docker prints once the registry accepted the manifest', () => {
    assert.equal(digestFromDockerPush(output('e2e-1a2b', DIGEST), 'e2e-1a2b'), DIGEST);
    assert.equal(digestFromDockerPush(output('0.1.0', DIGEST).replaceAll('\n', '\r\n'), '0.1.0'), DIGEST);
  });

  it("takes the line of the tag pushed, not another tag's", () => {
    const both = `${output('latest', OTHER_DIGEST)}${output('0.1.0', DIGEST)}`;
    assert.equal(digestFromDockerPush(both, '0.1.0'), DIGEST);
    assert.equal(digestFromDockerPush(both, 'latest'), OTHER_DIGEST);
  });

  it('fails when docker printed no digest for the tag, rather than guessing one', () => {
    assert.throws(() => digestFromDockerPush(output('latest', DIGEST), '0.1.0'), {
      message: 'docker push printed no digest for tag 0.1.0',
    });
    assert.throws(() => digestFromDockerPush('a1c2e3f4b5d6: Pushed\n', '0.1.0'), /printed no digest/);
    assert.throws(() => digestFromDockerPush(output('0.1.0', 'sha256:abc'), '0.1.0'), /printed no digest/);
  });
});

describe('digestFromFile', () => {
  it("reads podman's --digestfile, with or without a newline", () => {
    assert.equal(digestFromFile(DIGEST), DIGEST);
    assert.equal(digestFromFile(`${DIGEST}\n`), DIGEST);
  });

  it('fails on anything but one sha256 digest', () => {
    for (const content of ['', 'sha256:abc', `${DIGEST} ${DIGEST}`, DIGEST.toUpperCase()])
      assert.throws(() => digestFromFile(content), /no sha256 digest/);
  });
});

describe('isLoopbackRegistry', () => {
  it('is true for localhost and 127.0.0.0/8 registries only, with or without port and path', () => {
    for (const registry of ['localhost', 'localhost:5000/x', '127.0.0.1:5000/mesh-demo', '127.1.2.3'])
      assert.equal(isLoopbackRegistry(registry), true, registry);
    for (const registry of ['quay.io/mesh-demo', '10.0.0.1:5000', 'localhost.example.com/x', '127.0.0.1.nip.io/x'])
      assert.equal(isLoopbackRegistry(registry), false, registry);
  });
});
