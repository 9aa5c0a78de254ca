// NOTES.txt (which helm template never prints) tells the user the edge URLs and the curl loop to watch the demo.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chartDir, examplesDir, helmBin } from '../src/render.ts';

// Why a copy: NOTES.txt is only rendered by install/upgrade, which need a cluster; wrapping it in a named
// template of a throw-away chart copy lets helm template render the very same text offline.
const work = mkdtempSync(join(tmpdir(), 'mesh-demo-notes-'));
after(() => rmSync(work, { recursive: true, force: true }));
cpSync(chartDir, join(work, 'mesh-demo'), { recursive: true });
const notes = readFileSync(join(chartDir, 'templates/NOTES.txt'), 'utf8');
writeFileSync(join(work, 'mesh-demo/templates/_notes-preview.tpl'), `{{- define "notes-preview" -}}\n${notes}\n{{- end -}}\n`);
writeFileSync(
  join(work, 'mesh-demo/templates/notes-preview.yaml'),
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-preview\ndata:\n  notes: {{ include "notes-preview" . | quote }}\n',
);

function notesFor(files: string[], set: string[] = []): string {
  const args = ['template', 'demo', join(work, 'mesh-demo'), '-n', 'demo', '--show-only', 'templates/notes-preview.yaml'];
  // An example's name, or a values file of the test's own (an absolute path).
  for (const f of files) args.push('-f', f.startsWith('/') ? f : join(examplesDir, f));
  for (const s of set) args.push('--set', s);
  const r = spawnSync(helmBin(), args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const m = /notes: (".*")/.exec(r.stdout);
  assert.ok(m, r.stdout);
  return JSON.parse(m[1] as string) as string;
}

describe('NOTES.txt', () => {
  test('on OpenShift prints each edge Route URL with a curl loop', () => {
    const text = notesFor(['02-mesh.yaml']);
    assert.match(text, /URL: http:\/\/customer-demo\.apps-crc\.testing\//);
    assert.match(text, /while true; do curl -sS http:\/\/partner-demo\.apps-crc\.testing\/; echo; sleep 0\.5; done/);
    assert.match(text, /helm test demo -n demo/);
  });

  test('off OpenShift with the mesh, curls the ingress gateway with the edge Host header', () => {
    const text = notesFor(['02-mesh.yaml'], ['platform=kubernetes']);
    assert.match(text, /curl -sS -H "Host: customer-demo\.apps-crc\.testing" "http:\/\/\$INGRESS\/"/);
  });

  test("off OpenShift with the Gateway API, curls the Service Istio deploys for the chart's own Gateway, on its port", () => {
    const text = notesFor(['flavor-gateway-api.yaml'], ['platform=kubernetes']);
    assert.match(text, /kubectl -n demo get svc demo-mesh-demo-gateway-istio /);
    assert.match(text, /curl -sS -H "Host: customer-demo\.apps-crc\.testing" "http:\/\/\$INGRESS:80\/"/);
    assert.doesNotMatch(text, /istio-ingressgateway/);
  });

  test('without the mesh says so', () => {
    assert.match(notesFor(['01-plain.yaml']), /installed in namespace demo \(without a mesh\)/);
  });
});

describe('NOTES.txt and the demo JWT key', () => {
  const warning = /WARNING: endUserAuth\.jwks holds the demo's published key \(kid mesh-demo-1\)/;

  test('warns, with the commands for a key of your own, when the end-user step runs on the published demo key', () => {
    const text = notesFor(['02-mesh.yaml', 'security-end-user-jwt.yaml']);
    assert.match(text, warning);
    assert.match(text, /\.\/pnpmw -s token --new-key jwt-key\.pem > jwks\.json/);
    assert.match(text, /helm upgrade demo \.\.\. --set-file endUserAuth\.jwks=jwks\.json/);
  });

  test('says nothing of keys with a JWKS of your own, or without the end-user step (the controls)', () => {
    const own = join(work, 'own-jwks.yaml');
    writeFileSync(
      own,
      `endUserAuth:\n  jwks: '{"keys":[{"kty":"RSA","n":"abc","e":"AQAB","kid":"Xy3-own-thumbprint","alg":"RS256","use":"sig"}]}'\n`,
    );
    assert.doesNotMatch(notesFor(['02-mesh.yaml', 'security-end-user-jwt.yaml', own]), warning);
    assert.doesNotMatch(notesFor(['02-mesh.yaml']), warning);
  });
});
