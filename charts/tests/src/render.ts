// Renders charts/mesh-demo with the real helm binary and parses the YAML, for the semantic tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const chartDir = join(repoRoot, 'charts/mesh-demo');
export const examplesDir = join(chartDir, 'examples');
export const namespace = 'demo';

/**
 * The free-form part of a rendered object (a spec, a route, a container): the tests read it by path and assert its
 * shape, so a declared type per Kubernetes kind would only restate what the assertions already check.
 */
// biome-ignore lint/suspicious/noExplicitAny: free-form YAML, read by path; the assertions are its type check
export type Doc = any;

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Doc;
  [key: string]: Doc;
};

/**
 * The helm binary: $HELM (CI's chart part sets Helm 3's or Helm 4's), else the pinned Helm 3. A relative $HELM is taken
 * from where the command was started (pnpm runs the tests in charts/tests and passes that directory as INIT_CWD), so
 * `HELM=.tools/bin/helm4 ./pnpmw --filter @mesh-demo/chart-tests test` works from the repository root.
 */
export function helmBin(): string {
  const given = process.env.HELM;
  const bin = given ? resolve(process.env.INIT_CWD ?? process.cwd(), given) : join(repoRoot, '.tools/bin/helm');
  if (!existsSync(bin)) throw new Error(`helm not found at ${bin}: run tools/install-tools.sh helm (or helm4) or set HELM`);
  return bin;
}

export function exampleFiles(): string[] {
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

export type RenderInput = { files?: string[]; set?: string[] };

function helmArgs({ files = [], set = [] }: RenderInput): string[] {
  const args = ['template', 'demo', chartDir, '--namespace', namespace];
  for (const f of files) args.push('-f', f.includes('/') ? f : join(examplesDir, f));
  for (const s of set) args.push('--set', s);
  return args;
}

/** Renders and returns every object; throws with helm's stderr if rendering fails. */
export function render(input: RenderInput = {}): K8sObject[] {
  const r = spawnSync(helmBin(), helmArgs(input), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

/** Renders values that must be refused; returns helm's error text (fails the test if helm accepted them). */
export function renderError(input: RenderInput): string {
  const r = spawnSync(helmBin(), helmArgs(input), { encoding: 'utf8' });
  if (r.status === 0) throw new Error(`helm template accepted values it should refuse: ${JSON.stringify(input)}`);
  return r.stderr;
}

export const byKind = (objs: K8sObject[], kind: string, apiGroup?: string): K8sObject[] =>
  objs.filter((o) => o.kind === kind && (apiGroup === undefined || o.apiVersion.startsWith(`${apiGroup}/`)));

export const find = (objs: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} named ${name}; have: ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
};

/** Pod specs of Deployments and of helm test Pods. */
export function podTemplates(objs: K8sObject[]): { owner: string; metadata: Doc; spec: Doc }[] {
  const out: { owner: string; metadata: Doc; spec: Doc }[] = [];
  for (const o of objs) {
    if (o.kind === 'Deployment')
      out.push({ owner: `Deployment/${o.metadata.name}`, metadata: o.spec.template.metadata, spec: o.spec.template.spec });
    if (o.kind === 'Pod') out.push({ owner: `Pod/${o.metadata.name}`, metadata: o.metadata, spec: o.spec });
  }
  return out;
}
