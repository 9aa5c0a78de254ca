// `./pnpmw token --new-key` and `--key` as typed: a key of the user's own, its JWKS for the chart, tokens signed with it, and one-line refusals.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { run } from '../support/cli.ts';

describe('./pnpmw token with a key of your own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-demo-token-'));
  const key = join(dir, 'jwt-key.pem');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--new-key writes an RSA key only its owner can read and prints its JWKS; --key signs under that JWKS kid', async () => {
    const made = await run('./pnpmw', ['-s', 'token', '--new-key', key]);
    assert.equal(made.code, 0, made.stderr);
    const jwks = JSON.parse(made.stdout) as { keys: { kid: string; kty: string; alg: string }[] };
    assert.equal(jwks.keys.length, 1);
    assert.deepEqual([jwks.keys[0]!.kty, jwks.keys[0]!.alg], ['RSA', 'RS256']);
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const signed = await run('./pnpmw', ['-s', 'token', '--key', key]);
    assert.equal(signed.code, 0, signed.stderr);
    const header = JSON.parse(Buffer.from(signed.stdout.trim().split('.')[0]!, 'base64url').toString());
    assert.equal(header.kid, jwks.keys[0]!.kid);
    const demo = await run('./pnpmw', ['-s', 'token']);
    assert.equal(JSON.parse(Buffer.from(demo.stdout.trim().split('.')[0]!, 'base64url').toString()).kid, 'mesh-demo-1');
  });

  it('refuses, in one line and exit 1, to overwrite a key, to read a missing one, and a file that is not a key', async () => {
    const cases: [string[], RegExp][] = [
      [['--new-key', key], /^token: --new-key .*jwt-key\.pem: the file exists; a key is never overwritten/],
      [['--key', join(dir, 'missing.pem')], /^token: --key .*missing\.pem: cannot read it \(ENOENT\)$/],
      [['--key', join(import.meta.dirname, 'cli-token.test.ts')], /^token: --key .*cli-token\.test\.ts: not an RSA private key in PEM/],
    ];
    for (const [args, message] of cases) {
      const r = await run('./pnpmw', ['-s', 'token', ...args]);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr.trim(), message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('--key with --new-key is a wrong command line: exit 2 and the usage', async () => {
    const r = await run('./pnpmw', ['-s', 'token', '--key', key, '--new-key', join(dir, 'other.pem')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^token: --new-key makes a key; --key signs with one: give one of them\nusage: /);
  });
});
