// The validators and serialisers `pnpm build` compiled to code, found again at start by their schema, so none is compiled then.
// Why: compiling them at start (an Ajv instance, its meta-schema, each schema, fast-json-stringify) was 60–100 ms of
// every service's start. The bundle installs its table before the service's code runs; from source there is none.

/** An Ajv validate function: true when the data is valid, else `errors` says why (it may also coerce and fill defaults). */
export interface Validate {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}

/** A fast-json-stringify serialiser. */
export type Serialize = (data: unknown) => string;

/** What a schema's compiled code is for; the same schema compiles differently for each (other Ajv options). */
export type SchemaKind = 'env' | 'validator' | 'serializer';

export interface PrecompiledTable {
  readonly validators: Readonly<Record<string, Validate>>;
  readonly serializers: Readonly<Record<string, Serialize>>;
}

let table: PrecompiledTable | undefined;
const misses: string[] = [];

/**
 * The key of a schema's compiled code: its kind and its JSON text. The JSON text, not the route: the code depends only
 * on the schema (and the kind's options), and two routes with one schema share one function.
 */
export function schemaKey(kind: SchemaKind, schema: unknown): string {
  return `${kind}:${JSON.stringify(schema)}`;
}

/** Called once by the bundle's generated code, before the service's own code runs (and by tests, with a fresh list of misses). */
export function installPrecompiled(precompiled: PrecompiledTable): void {
  table = precompiled;
  misses.length = 0;
}

/** The build's validator for this schema, if any. `label` names what it checks, for the misses a bundle reports. */
export function precompiledValidator(kind: 'env' | 'validator', schema: unknown, label: string): Validate | undefined {
  if (!table) return undefined;
  const found = table.validators[schemaKey(kind, schema)];
  if (!found) misses.push(label);
  return found;
}

/** The build's serialiser for this schema, if any. */
export function precompiledSerializer(schema: unknown, label: string): Serialize | undefined {
  if (!table) return undefined;
  const found = table.serializers[schemaKey('serializer', schema)];
  if (!found) misses.push(label);
  return found;
}

/**
 * What a bundle had to compile at start because its table lacked it: a schema the build did not see (a route only
 * some config registers, say). It still works, compiled the slow way; the service logs the list once it listens.
 */
export function precompiledMisses(): readonly string[] {
  return misses;
}
