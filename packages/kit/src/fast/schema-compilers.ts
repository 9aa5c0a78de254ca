// The compilers behind every schema a service checks or writes: the build's precompiled code, else Ajv and fast-json-stringify.
import ValidatorSelector from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import AjvModule, { type Options as AjvOptions } from 'ajv';
import type { FastifyServerOptions } from 'fastify';
import { precompiledSerializer, precompiledValidator, type Serialize, schemaKey, type Validate } from './precompiled.ts';

/** What Fastify hands a compiler for one schema of one route. */
export interface RouteSchema {
  readonly schema: unknown;
  readonly method?: string;
  readonly url?: string;
  readonly httpPart?: string;
  readonly httpStatus?: string;
  readonly contentType?: string;
}

/** Fastify's `compilersFactory` builders: given the app's shared schemas and options, a compiler of route schemas. */
export type BuildValidator = (externalSchemas: Record<string, unknown>, options?: unknown) => (route: RouteSchema) => Validate;
export type BuildSerializer = (externalSchemas: Record<string, unknown>, options?: unknown) => (route: RouteSchema) => Serialize;

/** How schemas are compiled when there is no precompiled code: at start by default, to source code at build time. */
export interface Compilers {
  readonly buildValidator: BuildValidator;
  readonly buildSerializer: BuildSerializer;
  compileEnv(schema: object): Validate;
}

/**
 * The env check's Ajv options: those of env-schema, which the kit used before (coerce strings to the schema's types,
 * fill defaults, drop variables the schema does not name, report every bad variable).
 */
export const ENV_AJV_OPTIONS: AjvOptions = {
  allErrors: true,
  removeAdditional: true,
  useDefaults: true,
  coerceTypes: true,
  allowUnionTypes: true,
  addUsedSchema: false,
};

/** Made on first use only: a fallback compiler (an Ajv instance) costs milliseconds a bundle should not pay. */
function lazily<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

const Ajv = AjvModule.default;
/** One Ajv for every env check of the process (tests load many configs): made on first use, never in a bundle. */
const envAjv = lazily(() => new Ajv(ENV_AJV_OPTIONS));

/** Fastify's own compilers (the ones it uses when given none) and one Ajv for the env. */
export const compileAtStart: Compilers = {
  buildValidator: ValidatorSelector() as unknown as BuildValidator,
  buildSerializer: SerializerSelector() as unknown as BuildSerializer,
  compileEnv: (schema) => envAjv().compile(schema) as Validate,
};

let compilers: Compilers = compileAtStart;
/** Each service's env schema is built afresh per loadConfig; its check is compiled (or looked up) once. */
const envValidators = new Map<string, Validate>();

/** A capture compiles every schema itself, whatever table is installed: its output is what becomes the table. */
function capturing(): boolean {
  return compilers !== compileAtStart;
}

/** Build time only: the precompile step swaps in compilers that also keep each function's source code. */
export function useCompilers(next: Compilers): void {
  compilers = next;
  envValidators.clear();
}

function label(kind: string, route: RouteSchema): string {
  return `${kind} ${route.method ?? ''} ${route.url ?? ''} ${route.httpPart ?? route.httpStatus ?? ''}`.replace(/\s+/g, ' ').trim();
}

/**
 * The `schemaController.compilersFactory` of every app. Fastify treats these as custom compilers, which changes one
 * thing: it no longer lower-cases the keys of a `headers` schema for us (the kit has no headers schema).
 */
export function fastifyCompilers(): FastifyCompilersFactory {
  const factory: { buildValidator: BuildValidator; buildSerializer: BuildSerializer } = {
    buildValidator: (externalSchemas, options) => {
      const fallback = lazily(() => compilers.buildValidator(externalSchemas, options));
      return (route) =>
        (capturing() ? undefined : precompiledValidator('validator', route.schema, label('validator', route))) ?? fallback()(route);
    },
    buildSerializer: (externalSchemas, options) => {
      const fallback = lazily(() => compilers.buildSerializer(externalSchemas, options));
      return (route) => (capturing() ? undefined : precompiledSerializer(route.schema, label('serializer', route))) ?? fallback()(route);
    },
  };
  // Fastify's types want Ajv's full function type; these are Ajv's functions (or their standalone code), typed narrowly.
  return factory as unknown as FastifyCompilersFactory;
}

type FastifyCompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/**
 * The env check for a service's env schema (see ENV_AJV_OPTIONS): mutates the data it is given, as Ajv does. The table
 * is consulted on every call (a table installed later wins); a check compiled here is compiled once per schema.
 */
export function envValidator(schema: object): Validate {
  const precompiled = capturing() ? undefined : precompiledValidator('env', schema, 'env');
  if (precompiled) return precompiled;
  const key = schemaKey('env', schema);
  let validate = envValidators.get(key);
  if (!validate) {
    validate = compilers.compileEnv(schema);
    envValidators.set(key, validate);
  }
  return validate;
}
