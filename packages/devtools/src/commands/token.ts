// `./pnpmw token`: mint a JWT for the end-user authentication step (curl -H "authorization: Bearer $(./pnpmw -s token)"), with the demo key or a key of your own.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CommandError, defineCommand } from '@mesh-demo/workspace';
import { demoToken, jwkOf, newKeyPem } from '../demo-token.ts';

/**
 * The PEM of --key and its key id (the thumbprint jwkOf names it by, which also proves it an RSA private key); a
 * CommandError (one line, exit 1) says why it cannot be used.
 */
function readKey(path: string): { keyPem: string; keyId: string } {
  let keyPem: string;
  try {
    keyPem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CommandError(`--key ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return { keyPem, keyId: jwkOf(keyPem).kid };
  } catch (error) {
    throw new CommandError(`--key ${path}: not an RSA private key in PEM (${(error as Error).message.split('\n')[0]})`);
  }
}

export const token = defineCommand({
  name: 'token',
  summary: 'a JWT for the end-user authentication step, or a key of your own and its JWKS',
  synopsis: '[--group GROUP] [--subject SUB] [--expires SECONDS] [--issuer ISS] [--key FILE] | --new-key FILE',
  details: () => `  --group     the group claim (default demo: the one security-end-user-jwt.yaml lets in)
  --subject   the sub claim (default jason)
  --expires   lifetime in seconds (default 3600; negative gives an expired token)
  --issuer    the iss claim (default mesh-demo)
  --key       sign with this RSA private key (PEM) instead of the demo key, which is published
  --new-key   write a new RSA private key to FILE (mode 600; never overwritten) and print its JWKS, for
              helm ... -f examples/security-end-user-jwt.yaml --set-file endUserAuth.jwks=<that JWKS saved to a file>`,
  options: {
    group: { type: 'string' },
    subject: { type: 'string' },
    expires: { type: 'string' },
    issuer: { type: 'string' },
    key: { type: 'string' },
    'new-key': { type: 'string' },
  },
  run({ values, fail }) {
    const target = values['new-key'];
    if (target !== undefined) {
      if (values.key !== undefined) fail('--new-key makes a key; --key signs with one: give one of them');
      if (existsSync(target)) {
        throw new CommandError(`--new-key ${target}: the file exists; a key is never overwritten (remove it or choose another path)`);
      }
      const pem = newKeyPem();
      try {
        writeFileSync(target, pem, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        throw new CommandError(`--new-key ${target}: cannot write it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      console.log(JSON.stringify({ keys: [jwkOf(pem)] }));
      console.error(`token: wrote ${target}; sign with ./pnpmw -s token --key ${target}`);
      return 0;
    }
    const expiresIn = values.expires === undefined ? 3600 : Number(values.expires);
    if (!Number.isInteger(expiresIn)) fail(`--expires wants whole seconds (got ${values.expires})`);
    const key = values.key === undefined ? undefined : readKey(values.key);
    console.log(
      demoToken({
        claims: { group: values.group ?? 'demo' },
        expiresIn,
        ...(values.subject && { subject: values.subject }),
        ...(values.issuer && { issuer: values.issuer }),
        ...key,
      }),
    );
    return 0;
  },
});
