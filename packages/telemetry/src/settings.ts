// Reads the standard OTEL_* env vars into one typed value; unknown values fall back with a one-line warning, never a crash.

export type ExporterName = 'jaeger' | 'otlp' | 'console';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi';

export interface BatchSettings {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
}

export interface TelemetrySettings {
  /** False when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none: nothing is loaded, headers are forwarded as they came. */
  readonly enabled: boolean;
  readonly exporter: ExporterName;
  readonly sampler: SamplerName;
  /** For the ratio samplers. */
  readonly ratio: number;
  readonly propagators: readonly PropagatorName[];
  readonly serviceName: string | undefined;
  /** OTEL_RESOURCE_ATTRIBUTES, decoded. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly batch: BatchSettings;
  /**
   * A client span per downstream call (instrumentation-undici), on when OTEL_NODE_ENABLED_INSTRUMENTATIONS names undici.
   * Off by default because it is the cheaper way that keeps the trace whole: the kit writes the trace headers itself, so
   * each server span is the parent of the next hop's (and in the mesh, Envoy's spans sit between them anyway).
   */
  readonly clientSpans: boolean;
  /** One line each, for env values that were not understood and what was used instead. */
  readonly warnings: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

const EXPORTERS: readonly string[] = ['jaeger', 'otlp', 'console', 'none'];
const SAMPLERS: readonly string[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const PROPAGATORS: readonly string[] = ['tracecontext', 'baggage', 'b3', 'b3multi', 'none'];
const INSTRUMENTATIONS: readonly string[] = ['fastify', 'undici'];

/** The defaults: W3C for OpenTelemetry backends, B3 multi-header because Envoy in OpenShift Service Mesh speaks it. */
export const DEFAULT_PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage', 'b3multi'];

/**
 * Batch defaults, larger than the SDK's (2048 / 512) so a busy pod exports fewer, bigger requests and does not drop
 * spans while one export is in flight. OTEL_BSP_* still override them.
 */
export const DEFAULT_BATCH: BatchSettings = {
  maxQueueSize: 8192,
  maxExportBatchSize: 1024,
  scheduledDelayMillis: 1000,
  exportTimeoutMillis: 10_000,
};

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/** `k1=v1,k2=v2` with percent-encoded values, as the spec defines OTEL_RESOURCE_ATTRIBUTES. */
export function parseResourceAttributes(value: string | undefined, warnings: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    if (!pair.trim()) continue;
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at).trim() : '';
    if (!key) {
      warnings.push(`OTEL_RESOURCE_ATTRIBUTES: ignoring "${pair.trim()}" (want key=value)`);
      continue;
    }
    try {
      out[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      warnings.push(`OTEL_RESOURCE_ATTRIBUTES: ignoring "${key}" (bad percent-encoding)`);
    }
  }
  return out;
}

function nonNegative(env: Env, name: string, fallback: number, warnings: string[]): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (Number.isFinite(value) && value >= 0) return value;
  warnings.push(`${name}: want a number >= 0, got ${JSON.stringify(raw)}; using ${fallback}`);
  return fallback;
}

/**
 * Why tracing is off, as the setting that turns it off (`OTEL_SDK_DISABLED=true`, `OTEL_TRACES_EXPORTER=otlp,none`),
 * or undefined when it is on. `none` anywhere in the exporter list wins.
 */
export function tracingOff(env: Env): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return 'OTEL_SDK_DISABLED=true';
  if (list(env.OTEL_TRACES_EXPORTER).includes('none')) return `OTEL_TRACES_EXPORTER=${env.OTEL_TRACES_EXPORTER?.trim()}`;
  return undefined;
}

export function settingsFromEnv(env: Env): TelemetrySettings {
  const warnings: string[] = [];

  // One exporter: the first known name (a list is allowed by the spec, but two backends for one demo is a mistake).
  const exporters = list(env.OTEL_TRACES_EXPORTER);
  const unknownExporters = exporters.filter((e) => !EXPORTERS.includes(e));
  if (unknownExporters.length)
    warnings.push(`OTEL_TRACES_EXPORTER: unknown ${unknownExporters.join(', ')} (want ${EXPORTERS.join(' | ')})`);
  const known = exporters.filter((e) => EXPORTERS.includes(e));
  const chosen = known.includes('none') ? 'none' : (known[0] ?? 'otlp');
  if (known.length > 1 && chosen !== 'none') warnings.push(`OTEL_TRACES_EXPORTER: using only ${chosen}`);

  const samplerRaw = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  let sampler = samplerRaw as SamplerName;
  if (!SAMPLERS.includes(samplerRaw)) {
    warnings.push(`OTEL_TRACES_SAMPLER: unknown ${JSON.stringify(samplerRaw)}; using parentbased_always_on`);
    sampler = 'parentbased_always_on';
  }
  let ratio = 1;
  if (sampler.endsWith('traceidratio')) {
    const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
    const value = raw ? Number(raw) : NaN;
    if (Number.isFinite(value) && value >= 0 && value <= 1) ratio = value;
    else warnings.push(`OTEL_TRACES_SAMPLER_ARG: want a ratio in [0, 1], got ${JSON.stringify(raw ?? '')}; using 1`);
  }

  const requested = env.OTEL_PROPAGATORS === undefined ? [...DEFAULT_PROPAGATORS] : list(env.OTEL_PROPAGATORS);
  const unknownPropagators = requested.filter((p) => !PROPAGATORS.includes(p));
  if (unknownPropagators.length) warnings.push(`OTEL_PROPAGATORS: ignoring unknown ${unknownPropagators.join(', ')}`);
  const propagators = requested.includes('none') ? [] : [...new Set(requested.filter((p): p is PropagatorName => PROPAGATORS.includes(p)))];

  const batch: BatchSettings = {
    maxQueueSize: nonNegative(env, 'OTEL_BSP_MAX_QUEUE_SIZE', DEFAULT_BATCH.maxQueueSize, warnings),
    maxExportBatchSize: nonNegative(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', DEFAULT_BATCH.maxExportBatchSize, warnings),
    scheduledDelayMillis: nonNegative(env, 'OTEL_BSP_SCHEDULE_DELAY', DEFAULT_BATCH.scheduledDelayMillis, warnings),
    exportTimeoutMillis: nonNegative(env, 'OTEL_BSP_EXPORT_TIMEOUT', DEFAULT_BATCH.exportTimeoutMillis, warnings),
  };
  if (batch.maxExportBatchSize > batch.maxQueueSize) {
    warnings.push(`OTEL_BSP_MAX_EXPORT_BATCH_SIZE: larger than the queue; using ${batch.maxQueueSize}`);
  }

  const enabledInstrumentations = list(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const unknownInstrumentations = enabledInstrumentations.filter((name) => !INSTRUMENTATIONS.includes(name));
  if (unknownInstrumentations.length)
    warnings.push(
      `OTEL_NODE_ENABLED_INSTRUMENTATIONS: unknown ${unknownInstrumentations.join(', ')} (want ${INSTRUMENTATIONS.join(', ')})`,
    );
  const disabledInstrumentations = list(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS);
  if (disabledInstrumentations.includes('fastify'))
    warnings.push('OTEL_NODE_DISABLED_INSTRUMENTATIONS: fastify stays on (its server spans carry the trace)');

  const resourceAttributes = parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES, warnings);
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || resourceAttributes['service.name'] || undefined;

  return {
    enabled: tracingOff(env) === undefined,
    exporter: chosen === 'none' ? 'otlp' : (chosen as ExporterName),
    sampler,
    ratio,
    propagators,
    serviceName,
    resourceAttributes,
    batch: { ...batch, maxExportBatchSize: Math.min(batch.maxExportBatchSize, batch.maxQueueSize) },
    clientSpans: enabledInstrumentations.includes('undici') && !disabledInstrumentations.includes('undici'),
    warnings,
  };
}
