// Service configuration: one TypeBox schema per service, read from env only, failing fast with one line naming every bad variable.
import { hostname } from 'node:os';
import { type Static, type TProperties, Type } from '@sinclair/typebox';
import type { AdmissionConfig } from './admission.ts';
import { envValidator } from './fast/schema-compilers.ts';
import { delayInverted, type Faults, FaultsSchema } from './faults.ts';
import { DEFAULT_PROPAGATED_HEADERS, HEADER_NAME } from './headers.ts';
import { DEFAULT_VERSION, VERSION_PATTERN, VERSION_RULE } from './version.ts';

/** What a service is, fixed in its code: the parts that never come from env. */
export interface ServiceDefinition {
  /** Service name as it appears in responses, metrics, logs and traces. */
  readonly name: string;
  /** Edge services (customer, partner) take traffic from outside the chain and set `baggage-user-agent`. */
  readonly edge: boolean;
  /** The next hop, or undefined for the leaf. Its URL env var is `<NAME>_URL`. */
  readonly downstream?: string;
}

const faultEnv = FaultsSchema.properties;
const port = (fallback: number) => Type.Integer({ minimum: 1, maximum: 65535, default: fallback });
const millis = (fallback: number, maximum = 600_000) => Type.Integer({ minimum: 0, maximum, default: fallback });

/** Env vars every service reads. Defaults are the in-cluster ones; `pnpm start` overrides ports and URLs. */
const commonEnv = {
  VERSION: Type.String({ pattern: VERSION_PATTERN.source, default: DEFAULT_VERSION }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  PORT: port(8080),
  MANAGEMENT_PORT: port(9000),
  // Where a mesh mirrors requests to (the chart's mirror destination port): every request arriving here is a shadow.
  SHADOW_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  HOSTNAME: Type.String({ minLength: 1, maxLength: 253, pattern: '^[^\\s\'"]+$' }),
  LOG_LEVEL: Type.String({ enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' }),
  SHUTDOWN_DELAY_MS: millis(5000),
  SHUTDOWN_TIMEOUT_MS: millis(10_000),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
  // Load shedding (admission.ts). MAX_IN_FLIGHT's default is the downstream pool's size (DOWNSTREAM_CONNECTIONS), or
  // 256 for the leaf: more would only queue for a connection. 0 turns a bound off.
  MAX_IN_FLIGHT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_535 })),
  MAX_EVENT_LOOP_DELAY_MS: millis(1000, 60_000),
  RETRY_AFTER_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 1 }),
  // Memory given back after a burst (memory-reclaim.ts): how long the process must be idle first; 0 turns it off.
  MEMORY_RECLAIM_IDLE_MS: millis(30_000, 3_600_000),
  // Faults a pod starts with: the same settings, bounds and defaults as PUT /faults on the management port.
  FAULT_ERROR_RATE: faultEnv.errorRate,
  FAULT_ERROR_STATUS: faultEnv.errorStatus,
  FAULT_DELAY_MS: faultEnv.delayMs,
  FAULT_DELAY_MAX_MS: faultEnv.delayMaxMs,
  FAULT_READY: faultEnv.ready,
  FAULT_MATCH: Type.Optional(Type.String({ pattern: `^${HEADER_NAME}=[\\x20-\\x7e]{0,256}$` })),
  PROPAGATE_HEADERS: Type.String({
    default: DEFAULT_PROPAGATED_HEADERS.join(','),
    pattern: `^\\s*(${HEADER_NAME})(\\s*,\\s*(${HEADER_NAME}))*\\s*$`,
  }),
} satisfies TProperties;

/** Env vars of a service with a downstream: where it is and how long to wait for it. */
const downstreamEnv = (name: string) => ({
  [`${name.toUpperCase()}_URL`]: Type.String({ pattern: '^https?://[^\\s/?#]+/?$', default: `http://${name}:8080` }),
  DOWNSTREAM_TIMEOUT_MS: millis(5000, 120_000),
  DOWNSTREAM_CONNECT_TIMEOUT_MS: millis(1000, 60_000),
  DOWNSTREAM_MAX_BODY_BYTES: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 64 * 1024 }),
  DOWNSTREAM_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 4096, default: 256 }),
});

export interface DownstreamConfig {
  readonly name: string;
  readonly url: string;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly connections: number;
}

/** The typed config `buildApp` takes; tests construct it directly. */
export interface ServiceConfig {
  readonly service: ServiceDefinition;
  readonly version: string;
  readonly host: string;
  readonly port: number;
  readonly managementPort: number;
  /** Requests on this port are mirrored copies (shadow hits); unset: no such port, only the Host marks a shadow. */
  readonly shadowPort?: number;
  readonly hostname: string;
  readonly logLevel: string;
  readonly shutdownDelayMs: number;
  readonly shutdownTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** When to shed a request with 503 instead of starting it (admission.ts). */
  readonly admission: AdmissionConfig;
  /** Idle time after which a process well above its usual RSS runs one memory-reducing GC (memory-reclaim.ts); 0: never. */
  readonly memoryReclaimIdleMs: number;
  readonly propagateHeaders: readonly string[];
  /** Faults in force at start; the management port can change them at run time. */
  readonly faults: Faults;
  readonly downstream?: DownstreamConfig;
}

/** Thrown for bad env; `message` is the single line the process prints before exiting, naming every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The env schema of one service: the common variables, and the downstream ones when it has a downstream. Variables it
 * does not name are dropped by the check (the rest of the process env), never an error.
 */
function envSchemaFor(service: ServiceDefinition) {
  return Type.Object({ ...commonEnv, ...(service.downstream ? downstreamEnv(service.downstream) : {}) }, { additionalProperties: false });
}

type CommonEnv = Static<ReturnType<typeof envSchemaFor>> & Record<string, unknown>;

interface AjvError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** One problem per bad variable (ajv may report several for one, e.g. a pattern and a length): the first wins. */
function describe(errors: readonly AjvError[], env: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const problems = new Map<string, string>();
  for (const error of errors) {
    const variable = error.instancePath.replace(/^\//, '') || String(error.params?.missingProperty ?? '');
    if (problems.has(variable)) continue;
    const raw = env[variable];
    const shown = raw === undefined ? '' : ` (got ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)})`;
    let message = error.message ?? 'is invalid';
    if (error.params && 'allowedValues' in error.params) message = `must be one of ${(error.params.allowedValues as string[]).join(', ')}`;
    if (error.params && 'pattern' in error.params) message = patternHint(variable);
    problems.set(variable, `invalid ${variable || 'configuration'}: ${message}${shown}`);
  }
  return problems;
}

/** Checks between variables, each made only when the variables it reads are `good` on their own. */
function relations(parsed: CommonEnv, good: (...variables: string[]) => boolean): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  if (good('PORT', 'MANAGEMENT_PORT') && parsed.PORT === parsed.MANAGEMENT_PORT) {
    found.push(['MANAGEMENT_PORT', `invalid MANAGEMENT_PORT: must differ from PORT (both ${parsed.PORT})`]);
  }
  const shadow = parsed.SHADOW_PORT;
  if (
    good('SHADOW_PORT', 'PORT', 'MANAGEMENT_PORT') &&
    shadow !== undefined &&
    (shadow === parsed.PORT || shadow === parsed.MANAGEMENT_PORT)
  ) {
    found.push(['SHADOW_PORT', `invalid SHADOW_PORT: must differ from PORT and MANAGEMENT_PORT (got ${shadow})`]);
  }
  const pool = parsed.DOWNSTREAM_CONNECTIONS as number | undefined;
  const maxInFlight = parsed.MAX_IN_FLIGHT;
  if (good('MAX_IN_FLIGHT', 'DOWNSTREAM_CONNECTIONS') && pool !== undefined && maxInFlight !== undefined && maxInFlight > pool) {
    found.push([
      'MAX_IN_FLIGHT',
      `invalid MAX_IN_FLIGHT: must be <= DOWNSTREAM_CONNECTIONS (got ${maxInFlight} > ${pool}): the rest would queue for a connection until their deadline`,
    ]);
  }
  const reclaim = parsed.MEMORY_RECLAIM_IDLE_MS;
  if (good('MEMORY_RECLAIM_IDLE_MS') && reclaim > 0 && reclaim < 1000) {
    found.push([
      'MEMORY_RECLAIM_IDLE_MS',
      `invalid MEMORY_RECLAIM_IDLE_MS: must be 0 (off) or at least 1000 (got ${reclaim}): idleness is judged over that long`,
    ]);
  }
  const delay = { delayMs: parsed.FAULT_DELAY_MS, delayMaxMs: parsed.FAULT_DELAY_MAX_MS };
  if (good('FAULT_DELAY_MS', 'FAULT_DELAY_MAX_MS') && delayInverted(delay)) {
    found.push([
      'FAULT_DELAY_MAX_MS',
      `invalid FAULT_DELAY_MAX_MS: must be >= FAULT_DELAY_MS (got ${delay.delayMaxMs} < ${delay.delayMs})`,
    ]);
  }
  return found;
}

function patternHint(variable: string): string {
  if (variable.endsWith('_URL')) return 'must be an http(s) origin like http://preference:8080 (no path, query or spaces)';
  if (variable === 'VERSION') return `must be ${VERSION_RULE}`;
  if (variable === 'PROPAGATE_HEADERS') return 'must be a comma-separated list of header names';
  if (variable === 'HOSTNAME') return 'must not contain spaces or quotes';
  if (variable === 'FAULT_MATCH') return 'must be header-name=value, e.g. end-user=jason';
  return 'has an invalid format';
}

/** Validate env against the service's schema and map it to a typed config. Throws ConfigError naming every bad variable. */
export function loadConfig(service: ServiceDefinition, env: Readonly<Record<string, string | undefined>>): ServiceConfig {
  const data: Record<string, string> = { HOSTNAME: hostname() };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) data[key] = value;
  const validate = envValidator(envSchemaFor(service));
  // The check coerces, fills defaults and drops unknown variables in place, on a copy.
  const check = (input: Record<string, string>): CommonEnv | undefined => {
    const parsed: Record<string, unknown> = { ...input };
    return validate(parsed) ? (parsed as CommonEnv) : undefined;
  };
  let problems = new Map<string, string>();
  let parsed = check(data);
  if (!parsed) {
    problems = describe((validate.errors ?? []) as AjvError[], env);
    // Once more without the bad ones (their defaults stand in), so the checks between variables below still judge
    // the good ones: every mistake shows in one start, not one per crash.
    const rest: Record<string, string> = { HOSTNAME: hostname() };
    for (const [key, value] of Object.entries(data)) if (!problems.has(key)) rest[key] = value;
    parsed = check(rest);
  }
  if (parsed)
    for (const [variable, problem] of relations(parsed, (...vars) => vars.every((v) => !problems.has(v)))) problems.set(variable, problem);
  // Still one line: `customer: invalid PORT: ...; invalid LOG_LEVEL: ...`, what a crash-looping pod's log shows.
  if (problems.size || !parsed) throw new ConfigError([...problems.values()].join('; ') || 'invalid configuration');
  const faults = faultsFrom(parsed);
  const downstream = service.downstream;
  return {
    service,
    version: parsed.VERSION,
    host: parsed.HOST,
    port: parsed.PORT,
    managementPort: parsed.MANAGEMENT_PORT,
    ...(parsed.SHADOW_PORT !== undefined && { shadowPort: parsed.SHADOW_PORT }),
    hostname: parsed.HOSTNAME,
    logLevel: parsed.LOG_LEVEL,
    shutdownDelayMs: parsed.SHUTDOWN_DELAY_MS,
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
    requestTimeoutMs: parsed.REQUEST_TIMEOUT_MS,
    admission: {
      maxInFlight: parsed.MAX_IN_FLIGHT ?? (parsed.DOWNSTREAM_CONNECTIONS as number | undefined) ?? 256,
      maxEventLoopDelayMs: parsed.MAX_EVENT_LOOP_DELAY_MS,
      retryAfterSeconds: parsed.RETRY_AFTER_SECONDS,
    },
    memoryReclaimIdleMs: parsed.MEMORY_RECLAIM_IDLE_MS,
    propagateHeaders: parsed.PROPAGATE_HEADERS.split(',').map((h) => h.trim().toLowerCase()),
    faults,
    ...(downstream && {
      downstream: {
        name: downstream,
        url: String(parsed[`${downstream.toUpperCase()}_URL`]).replace(/\/$/, ''),
        timeoutMs: Number(parsed.DOWNSTREAM_TIMEOUT_MS),
        connectTimeoutMs: Number(parsed.DOWNSTREAM_CONNECT_TIMEOUT_MS),
        maxBodyBytes: Number(parsed.DOWNSTREAM_MAX_BODY_BYTES),
        connections: Number(parsed.DOWNSTREAM_CONNECTIONS),
      },
    }),
  };
}

function faultsFrom(parsed: CommonEnv): Faults {
  const match = parsed.FAULT_MATCH;
  const at = match?.indexOf('=') ?? -1;
  const faults: Faults = {
    errorRate: parsed.FAULT_ERROR_RATE,
    errorStatus: parsed.FAULT_ERROR_STATUS,
    delayMs: parsed.FAULT_DELAY_MS,
    ready: parsed.FAULT_READY,
    ...(parsed.FAULT_DELAY_MAX_MS !== undefined && { delayMaxMs: parsed.FAULT_DELAY_MAX_MS }),
    ...(match && { match: { header: match.slice(0, at).toLowerCase(), value: match.slice(at + 1) } }),
  };
  return faults;
}
