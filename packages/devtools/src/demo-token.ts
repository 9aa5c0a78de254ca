// Demo JWTs for the end-user authentication step: RS256, signed with the demo key whose public half the chart example holds.
import { createHash, createPrivateKey, createPublicKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A key published on purpose: it signs tokens for the demo only; never trust it anywhere else. */
const DEMO_KEY_FILE = fileURLToPath(new URL('../demo-jwt-key.pem', import.meta.url));
export const DEMO_KEY_ID = 'mesh-demo-1';
export const DEMO_ISSUER = 'mesh-demo';

export interface TokenOptions {
  readonly subject?: string;
  readonly claims?: Record<string, string>;
  /** Seconds from now; negative for an already expired token. */
  readonly expiresIn?: number;
  readonly issuer?: string;
  /** Sign with another key (a forged token, or the user's own from --new-key), PEM. */
  readonly keyPem?: string;
  /** The key id in the header; default the demo key's (a key of one's own is named by its thumbprint, jwkOf). */
  readonly keyId?: string;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function demoToken(options: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: options.keyId ?? DEMO_KEY_ID };
  const payload = {
    iss: options.issuer ?? DEMO_ISSUER,
    sub: options.subject ?? 'jason',
    iat: now,
    exp: now + (options.expiresIn ?? 3600),
    ...options.claims,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const key = createPrivateKey(options.keyPem ?? readFileSync(DEMO_KEY_FILE, 'utf8'));
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
  return `${signingInput}.${base64url(signature)}`;
}

/** A new RSA key of the user's own, PEM: what `token --new-key` writes instead of the published demo key. */
export function newKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * The public JWK of a private key, with its RFC 7638 thumbprint as `kid`: the same key always gets the same id, so
 * the JWKS printed once and the tokens signed later agree without storing anything else.
 */
export function jwkOf(keyPem: string): { kty: string; n: string; e: string; kid: string; alg: string; use: string } {
  const pub: KeyObject = createPublicKey(createPrivateKey(keyPem));
  const { n, e, kty } = pub.export({ format: 'jwk' }) as { n: string; e: string; kty: string };
  if (kty !== 'RSA') throw new Error(`the key is ${kty}, not RSA (RS256 tokens need an RSA key)`);
  const kid = createHash('sha256').update(JSON.stringify({ e, kty, n })).digest('base64url');
  return { kty, n, e, kid, alg: 'RS256', use: 'sig' };
}
