// `pnpm token`: mint a demo JWT for the end-user authentication step (curl -H "authorization: Bearer $(./pnpmw -s token)").
import { parseArgs } from 'node:util';
import { demoToken } from './demo-token.ts';

const USAGE = `usage: pnpm token [--group GROUP] [--subject SUB] [--expires SECONDS] [--issuer ISS]
  --group     the group claim (default demo: the one security-end-user-jwt.yaml lets in)
  --subject   the sub claim (default jason)
  --expires   lifetime in seconds (default 3600; negative gives an expired token)
  --issuer    the iss claim (default mesh-demo)`;

function fail(message: string): never {
  console.error(`token: ${message}\n${USAGE}`);
  process.exit(2);
}

let values: { group?: string; subject?: string; expires?: string; issuer?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { group: { type: 'string' }, subject: { type: 'string' }, expires: { type: 'string' }, issuer: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  }));
} catch (error) {
  fail((error as Error).message.split('. To specify')[0]!);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const expiresIn = values.expires === undefined ? 3600 : Number(values.expires);
if (!Number.isInteger(expiresIn)) fail(`--expires wants whole seconds (got ${values.expires})`);
console.log(demoToken({ claims: { group: values.group ?? 'demo' }, expiresIn, ...(values.subject && { subject: values.subject }), ...(values.issuer && { issuer: values.issuer }) }));
