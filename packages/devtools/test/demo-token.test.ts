// The demo JWT: signed by the key whose public half the chart's end-user JWT example publishes, with the claims asked for.
import assert from 'node:assert/strict';
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { DEMO_ISSUER, DEMO_KEY_ID, demoToken } from '../src/demo-token.ts';

/** The JWKS the chart's example hands to Istio's RequestAuthentication (the one place the public key lives). */
function chartJwks(): { keys: { kid: string; kty: string; n: string; e: string }[] } {
  const example = readFileSync(join(REPO_ROOT, 'charts/mesh-demo/examples/security-end-user-jwt.yaml'), 'utf8');
  const line = example.split('\n').find((l) => l.trim().startsWith('jwks:'));
  assert.ok(line, 'the example carries a jwks value');
  return JSON.parse(line.slice(line.indexOf("'") + 1, line.lastIndexOf("'")));
}

function decode(token: string) {
  const [header, payload, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString()),
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature!, 'base64url'),
  };
}

describe('demoToken', () => {
  it("verifies with the public key the chart example publishes under the token's kid", () => {
    const token = decode(demoToken());
    const jwk = chartJwks().keys.find((k) => k.kid === token.header.kid);
    assert.ok(jwk, `the chart's JWKS has the key ${token.header.kid}`);
    const key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
    assert.equal(createVerify('RSA-SHA256').update(token.signingInput).verify(key, token.signature), true);
    assert.deepEqual(token.header, { alg: 'RS256', typ: 'JWT', kid: DEMO_KEY_ID });
  });

  it('carries the issuer, subject, claims and lifetime asked for; a negative lifetime gives an expired token', () => {
    const now = Math.floor(Date.now() / 1000);
    const { payload } = decode(demoToken({ claims: { group: 'ops' }, subject: 'ann', expiresIn: -600 }));
    assert.equal(payload.iss, DEMO_ISSUER);
    assert.equal(payload.sub, 'ann');
    assert.equal(payload.group, 'ops');
    assert.ok(Math.abs(payload.iat - now) <= 2 && payload.exp === payload.iat - 600);
  });

  it('signed with another key, it does not verify with the demo key (what a forged token looks like)', () => {
    const forged = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const token = decode(demoToken({ keyPem: forged }));
    const jwk = chartJwks().keys[0]!;
    const key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
    assert.equal(createVerify('RSA-SHA256').update(token.signingInput).verify(key, token.signature), false);
  });
});
