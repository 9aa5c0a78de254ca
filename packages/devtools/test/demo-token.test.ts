// The demo JWT: signed by the key whose public half the chart's end-user JWT example publishes, with the claims asked for.
import assert from 'node:assert/strict';
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { DEMO_ISSUER, DEMO_KEY_ID, demoToken, jwkOf, newKeyPem } from '../src/demo-token.ts';

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

describe('a key of your own (token --new-key, --key)', () => {
  /** True when the token's signature verifies with the JWKS key named by its kid. */
  function verifies(token: string, jwks: { keys: { kid: string; kty: string; n: string; e: string }[] }): boolean {
    const t = decode(token);
    const jwk = jwks.keys.find((k) => k.kid === t.header.kid);
    if (!jwk) return false;
    return createVerify('RSA-SHA256')
      .update(t.signingInput)
      .verify(createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' }), t.signature);
  }

  it('a token signed with the new key verifies with its JWKS, under the RFC 7638 thumbprint as kid', () => {
    const pem = newKeyPem();
    const jwks = { keys: [jwkOf(pem)] };
    assert.match(jwks.keys[0]!.kid, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(jwkOf(pem).kid, jwks.keys[0]!.kid, 'the same key always gets the same kid');
    assert.ok(verifies(demoToken({ keyPem: pem, keyId: jwks.keys[0]!.kid }), jwks));
  });

  it("the published demo key's tokens do not verify with a new key's JWKS, nor the new key's with the demo JWKS (the control)", () => {
    const pem = newKeyPem();
    const jwks = { keys: [jwkOf(pem)] };
    assert.equal(verifies(demoToken(), jwks), false);
    assert.equal(verifies(demoToken({ keyPem: pem, keyId: DEMO_KEY_ID }), chartJwks()), false);
  });

  it('refuses a key that is not RSA, naming what it is', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.throws(() => jwkOf(ec), /the key is EC, not RSA/);
  });
});
