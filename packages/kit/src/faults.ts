// Runtime fault injection: an error rate with a status, a fixed or random delay, readiness off, optionally scoped to a header.
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { HEADER_NAME } from './headers.ts';
import type { Metrics } from './metrics.ts';

export const FaultsSchema = Type.Object(
  {
    errorRate: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'share of requests to / answered with errorStatus' }),
    errorStatus: Type.Integer({ minimum: 400, maximum: 599, default: 503 }),
    delayMs: Type.Integer({ minimum: 0, maximum: 120_000, default: 0, description: 'added before answering /' }),
    delayMaxMs: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 120_000, description: 'when set, the delay is uniform in [delayMs, delayMaxMs]' }),
    ),
    ready: Type.Boolean({ default: true, description: 'false makes /health/ready answer 503' }),
    match: Type.Optional(
      Type.Object(
        {
          header: Type.String({ pattern: `^${HEADER_NAME}$` }),
          value: Type.String({ maxLength: 256 }),
        },
        { additionalProperties: false, description: 'only requests carrying this header value get the error and delay' },
      ),
    ),
  },
  { additionalProperties: false },
);

export type Faults = Static<typeof FaultsSchema>;

export const NO_FAULTS: Faults = Object.freeze({ errorRate: 0, errorStatus: 503, delayMs: 0, ready: true });

/** The cross-field rule the schema cannot say, for PUT /faults and FAULT_DELAY_* alike: a delay range must not run backwards. */
export function delayInverted(faults: Pick<Faults, 'delayMs' | 'delayMaxMs'>): boolean {
  return faults.delayMaxMs !== undefined && faults.delayMaxMs < faults.delayMs;
}

/** What to do to one request under the current faults. */
export interface FaultDecision {
  readonly delayMs: number;
  readonly errorStatus?: number;
}

export function decide(faults: Faults, header: (name: string) => string | string[] | undefined, random = Math.random): FaultDecision {
  if (faults.match) {
    const value = header(faults.match.header.toLowerCase());
    const values = Array.isArray(value) ? value : [value];
    if (!values.includes(faults.match.value)) return { delayMs: 0 };
  }
  const delayMs =
    faults.delayMaxMs === undefined ? faults.delayMs : faults.delayMs + Math.round(random() * (faults.delayMaxMs - faults.delayMs));
  const failing = faults.errorRate > 0 && random() < faults.errorRate;
  return failing ? { delayMs, errorStatus: faults.errorStatus } : { delayMs };
}

/** The live fault state of one service instance. */
export interface FaultControl {
  readonly current: Faults;
  set(faults: Faults): void;
  /** Decide for one request, counting what is injected. */
  decide(request: FastifyRequest): FaultDecision;
}

export function createFaultControl(initial: Faults, metrics: Metrics): FaultControl {
  let current = initial;
  return {
    get current() {
      return current;
    },
    set(faults) {
      current = faults;
    },
    decide(request) {
      const decision = decide(current, (name) => request.headers[name]);
      if (decision.delayMs > 0) metrics.faults.labels('delay', '').inc();
      if (decision.errorStatus !== undefined) metrics.faults.labels('error', String(decision.errorStatus)).inc();
      return decision;
    },
  };
}
