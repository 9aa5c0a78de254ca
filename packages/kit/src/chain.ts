// The response model: one object per hop plus the failure that ended the chain, and its JSON schema.
import { type Static, Type } from '@sinclair/typebox';

export const HopSchema = Type.Object(
  {
    service: Type.String({ maxLength: 64 }),
    version: Type.String({ maxLength: 64 }),
    host: Type.String({ maxLength: 253 }),
    hits: Type.Integer({ minimum: 0 }),
    shadow: Type.Boolean({
      description: 'true when the mesh mirrored this request here (it arrived on SHADOW_PORT, or its Host ends in -shadow)',
    }),
    status: Type.Integer({ minimum: 100, maximum: 599, description: 'HTTP status this hop answered' }),
  },
  { additionalProperties: false },
);

export const FailureSchema = Type.Object(
  {
    kind: Type.Union(
      [
        Type.Literal('fault'),
        Type.Literal('status'),
        Type.Literal('unreachable'),
        Type.Literal('timeout'),
        Type.Literal('invalid-response'),
      ],
      {
        description:
          'fault: the last hop failed on purpose (misbehave, injected fault); status: its downstream answered non-2xx without a chain ' +
          '(a mesh fault or RBAC denial); unreachable / timeout / invalid-response: calling the downstream failed',
      },
    ),
    service: Type.String({ maxLength: 64, description: 'the service the failure is about' }),
    status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599, description: 'status the failing party answered, when it answered' })),
    message: Type.String({ maxLength: 512 }),
  },
  { additionalProperties: false },
);

export const ChainSchema = Type.Object(
  {
    chain: Type.Array(HopSchema, { maxItems: 32, description: 'hops that answered, outermost first' }),
    error: Type.Optional(FailureSchema),
  },
  { additionalProperties: false },
);

export type Hop = Static<typeof HopSchema>;
export type Failure = Static<typeof FailureSchema>;
export type Chain = Static<typeof ChainSchema>;

const isError = (status: number) => status >= 400;

/**
 * The tutorial's one-line text, derived from the JSON so both forms always agree:
 * `customer v1 => preference v1 => recommendation v1 from 'host': 3`, or with a failure
 * `customer v1 => Error: 503 - preference v1 => Error: 503 - recommendation misbehavior from 'host'`.
 */
export function renderText(body: Chain): string {
  const { chain, error } = body;
  let text = '';
  chain.forEach((hop, index) => {
    const next = chain[index + 1];
    const last = next === undefined;
    if (last && !error) {
      text += `${hop.service} ${hop.version} from '${hop.host}': ${hop.hits}`;
    } else if (last && error?.kind === 'fault') {
      text += error.message;
    } else {
      text += `${hop.service} ${hop.version} => `;
      if (next && isError(next.status)) text += `Error: ${next.status} - `;
      // Only a foreign answer shows its status: for our own failures the message already says what happened.
      if (last && error) text += error.kind === 'status' ? `Error: ${error.status} - ${error.message}` : `Error: ${error.message}`;
    }
  });
  return text;
}
