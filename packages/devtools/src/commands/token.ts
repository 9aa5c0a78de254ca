// `./pnpmw token`: mint a demo JWT for the end-user authentication step (curl -H "authorization: Bearer $(./pnpmw -s token)").
import { defineCommand } from '@mesh-demo/workspace';
import { demoToken } from '../demo-token.ts';

export const token = defineCommand({
  name: 'token',
  summary: 'a demo JWT for the end-user authentication step',
  synopsis: '[--group GROUP] [--subject SUB] [--expires SECONDS] [--issuer ISS]',
  details: () => `  --group     the group claim (default demo: the one security-end-user-jwt.yaml lets in)
  --subject   the sub claim (default jason)
  --expires   lifetime in seconds (default 3600; negative gives an expired token)
  --issuer    the iss claim (default mesh-demo)`,
  options: { group: { type: 'string' }, subject: { type: 'string' }, expires: { type: 'string' }, issuer: { type: 'string' } },
  run({ values, fail }) {
    const expiresIn = values.expires === undefined ? 3600 : Number(values.expires);
    if (!Number.isInteger(expiresIn)) fail(`--expires wants whole seconds (got ${values.expires})`);
    console.log(
      demoToken({
        claims: { group: values.group ?? 'demo' },
        expiresIn,
        ...(values.subject && { subject: values.subject }),
        ...(values.issuer && { issuer: values.issuer }),
      }),
    );
    return 0;
  },
});
