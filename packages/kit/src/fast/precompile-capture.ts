// Build time only (`pnpm build`): compiles every schema a service checks or writes to source code, for its bundle to carry.
import { StandaloneValidator } from '@fastify/ajv-compiler';
import { StandaloneSerializer } from '@fastify/fast-json-stringify-compiler';
import AjvModule from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { loadConfig, type ServiceConfig, type ServiceDefinition } from '../config.ts';
import type { BuildOptions, Service } from '../service.ts';
import { type SchemaKind, schemaKey } from './precompiled.ts';
import { type BuildSerializer, type BuildValidator, compileAtStart, ENV_AJV_OPTIONS, useCompilers } from './schema-compilers.ts';

/** One compiled function's source: a CommonJS module whose `module.exports` is the function. */
export interface CapturedCode {
  readonly key: string;
  readonly kind: SchemaKind;
  readonly code: string;
}

const Ajv = AjvModule.default;
const standaloneCode = standaloneModule.default;

/**
 * Env values that register every route and branch a service has: the optional shadow port and fault match set, so a
 * schema only some configs use is compiled too. Nothing listens; the values only need to pass the env check.
 */
const CAPTURE_ENV = {
  HOSTNAME: 'precompile',
  LOG_LEVEL: 'silent',
  PORT: '18080',
  MANAGEMENT_PORT: '18081',
  SHADOW_PORT: '18082',
  FAULT_MATCH: 'end-user=precompile',
};

/** With and without a tracer owning the trace headers: the two ways `run()` builds a service. */
const CAPTURE_OPTIONS: readonly BuildOptions[] = [
  {},
  { tracerOwnedHeaders: new Set(['traceparent', 'tracestate']), injectTraceContext: true },
];

/**
 * Builds the service's apps (both ports, each way `run()` can) and readies them, so Fastify compiles every route's
 * schemas, with compilers that keep each function's source; the env check's likewise. Returns one entry per schema.
 */
export async function capturePrecompiled(
  definition: ServiceDefinition,
  build: (config: ServiceConfig, options?: BuildOptions) => Service,
): Promise<CapturedCode[]> {
  const captured = new Map<string, CapturedCode>();
  const keep = (kind: SchemaKind, schema: unknown, code: string) => {
    const key = schemaKey(kind, schema);
    if (!captured.has(key)) captured.set(key, { key, kind, code });
  };
  const validators = StandaloneValidator({
    readMode: false,
    storeFunction: (route, code) => keep('validator', route.schema, code),
  }) as unknown as BuildValidator;
  const standaloneSerializers = StandaloneSerializer({
    readMode: false,
    storeFunction: (route, code) => keep('serializer', route.schema, code),
  }) as unknown as BuildSerializer;
  // A response schema with anyOf makes fast-json-stringify pick the branch with Ajv at run time; inlined, that check is
  // standalone code too, where it would otherwise compile its schemas on the first response (20 ms, on /health/ready).
  const serializers: BuildSerializer = (externalSchemas, options) =>
    standaloneSerializers(externalSchemas, { ...(options as object), inlineValidators: true });
  useCompilers({
    buildValidator: validators,
    buildSerializer: serializers,
    compileEnv: (schema) => {
      const ajv = new Ajv({ ...ENV_AJV_OPTIONS, code: { source: true } });
      const validate = ajv.compile(schema);
      keep('env', schema, standaloneCode(ajv, validate));
      return validate;
    },
  });
  try {
    const config = loadConfig(definition, CAPTURE_ENV);
    for (const options of CAPTURE_OPTIONS) {
      const service = build(config, options);
      await Promise.all([service.app.ready(), service.management.ready()]);
      await service.close();
    }
  } finally {
    useCompilers(compileAtStart);
  }
  return [...captured.values()];
}
