// Builds kubeconform JSON schemas offline from the Kubernetes OpenAPI spec and CRDs (Istio, Gateway API, OpenShift Route,
// Maistra, and the operators install/ subscribes to).
//
// Usage: node src/build-schemas.ts <out-dir>
// Inputs come from env (set by .ci/lib/build-schemas.sh, which downloads pinned Go modules, and by
// .ci/lib/build-sail-schemas.sh, which passes only one Service Mesh minor's CRDs):
//   K8S_SWAGGER      path to k8s.io/kubernetes api/openapi-spec/swagger.json (optional: without it, no Kubernetes kinds)
//   CRD_FILES        colon-separated CRD YAML files (multi-document)
//   OPENSHIFT_OPENAPI  path to github.com/openshift/api openapi/openapi.json (BuildConfig, ImageStream)
// Output layout matches kubeconform's template "{{ .Group }}/{{ .ResourceKind }}-{{ .ResourceAPIVersion }}.json"
// (core group is "v1"), and every object schema is closed (additionalProperties: false) so a misspelt field fails,
// which is what kubeconform's own "-strict" schema variants do.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

type Json = Record<string, unknown>;

// Only the API groups a chart like this can render; generating all of Kubernetes would cost minutes and megabytes for nothing.
const CORE_GROUPS = new Set(['', 'apps', 'batch', 'networking.k8s.io', 'policy', 'autoscaling', 'rbac.authorization.k8s.io']);

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Rewrites one schema node in place: closes objects, and maps Kubernetes' OpenAPI extensions to plain JSON Schema. */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = normalise(v);
  if (out['x-kubernetes-int-or-string'] === true || out.format === 'int-or-string') {
    delete out.type;
    delete out.format;
    delete out.anyOf;
    out.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  const preserve = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObject(out.properties) && out.additionalProperties === undefined && !preserve) out.additionalProperties = false;
  return out;
}

function write(outDir: string, group: string, kind: string, version: string, schema: Json): string {
  const file = join(outDir, group === '' ? 'v1' : group, `${kind.toLowerCase()}-${version}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(schema));
  return file;
}

/** Collects every definition reachable from a root, so each kind's file stands alone. */
function closure(defs: Record<string, Json>, root: string): Record<string, unknown> {
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const text = JSON.stringify(defs[name]);
    for (const m of text.matchAll(/"#\/definitions\/([^"]+)"/g)) stack.push(m[1] as string);
  }
  const picked: Record<string, unknown> = {};
  for (const name of seen) picked[name] = defs[name];
  return picked;
}

function fromSwagger(swaggerPath: string, outDir: string): number {
  const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8')) as { definitions: Record<string, Json> };
  const defs: Record<string, Json> = {};
  for (const [name, def] of Object.entries(swagger.definitions)) defs[name] = normalise(def) as Json;
  // Quantities are written as strings ("256Mi") or bare numbers (cpu: 1) in manifests; both are valid.
  defs['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { oneOf: [{ type: 'string' }, { type: 'number' }] };
  let count = 0;
  for (const [name, def] of Object.entries(defs)) {
    const gvks = def['x-kubernetes-group-version-kind'] as { group: string; kind: string; version: string }[] | undefined;
    if (gvks?.length !== 1) continue; // several GVKs mark shared types such as DeleteOptions, not resources
    const [gvk] = gvks as [{ group: string; kind: string; version: string }];
    if (!CORE_GROUPS.has(gvk.group) || gvk.kind.endsWith('List')) continue;
    const { definitions: _ignored, ...rootSchema } = def;
    write(outDir, gvk.group, gvk.kind, gvk.version, { ...rootSchema, definitions: closure(defs, name) });
    count++;
  }
  return count;
}

/** OpenShift's own kinds the chart renders that are not CRDs (served by openshift-apiserver): named definitions in openshift/api's OpenAPI document. */
const OPENSHIFT_KINDS = [
  { group: 'build.openshift.io', version: 'v1', kind: 'BuildConfig', definition: 'com.github.openshift.api.build.v1.BuildConfig' },
  { group: 'image.openshift.io', version: 'v1', kind: 'ImageStream', definition: 'com.github.openshift.api.image.v1.ImageStream' },
];

function fromOpenshift(openapiPath: string, outDir: string): number {
  const openapi = JSON.parse(readFileSync(openapiPath, 'utf8')) as { definitions: Record<string, Json> };
  const defs: Record<string, Json> = {};
  for (const [name, def] of Object.entries(openapi.definitions)) defs[name] = normalise(def) as Json;
  defs['Quantity.resource.api.pkg.apimachinery.k8s.io'] = { oneOf: [{ type: 'string' }, { type: 'number' }] };
  for (const { group, version, kind, definition } of OPENSHIFT_KINDS) {
    const def = defs[definition];
    if (!def) throw new Error(`build-schemas: ${definition} is not in ${openapiPath}`);
    write(outDir, group, kind, version, { ...def, definitions: closure(defs, definition) });
  }
  return OPENSHIFT_KINDS.length;
}

function fromCrds(files: string[], outDir: string): string[] {
  const written: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as Json | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const spec = crd.spec as {
        group: string;
        names: { kind: string };
        versions: { name: string; schema?: { openAPIV3Schema?: Json } }[];
      };
      for (const v of spec.versions) {
        const schema = v.schema?.openAPIV3Schema;
        if (!schema) continue;
        const s = normalise(schema) as Json;
        // Istio's CRDs describe only spec/status; every object also carries apiVersion, kind and metadata.
        // metadata is checked by the API server's own ObjectMeta rules, not by the CRD, so it stays open.
        s.properties = {
          ...(isObject(s.properties) ? s.properties : {}),
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
        };
        written.push(write(outDir, spec.group, spec.names.kind, v.name, s));
      }
    }
  }
  return written;
}

const outDir = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../../../.tools/schemas'));
const swagger = process.env.K8S_SWAGGER;
const crdFiles = (process.env.CRD_FILES ?? '').split(':').filter(Boolean);
if (crdFiles.length === 0) {
  console.error('build-schemas: set CRD_FILES, and K8S_SWAGGER for the Kubernetes kinds (see .ci/lib/build-schemas.sh)');
  process.exit(2);
}
const core = swagger ? fromSwagger(swagger, outDir) : 0;
const openshift = process.env.OPENSHIFT_OPENAPI ? fromOpenshift(process.env.OPENSHIFT_OPENAPI, outDir) : 0;
const crds = fromCrds(crdFiles, outDir);
console.log(`build-schemas: ${core} Kubernetes kinds, ${openshift} OpenShift kinds and ${crds.length} CRD versions written to ${outDir}`);
