// Demo JWTs for the end-user authentication step: RS256, signed with the demo key whose public half the chart example holds.
import { createPrivateKey, createSign } from 'node:crypto';
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
  /** Sign with another key (a forged token), PEM. */
  readonly keyPem?: string;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function demoToken(options: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: DEMO_KEY_ID };
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
