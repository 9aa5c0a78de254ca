// Generates, for each walkthrough step of the chart README, the Istio YAML that step applies, from the chart itself.
//
// Usage: node src/step-yaml.ts [--write]   (without --write it checks and prints what would change)
// In README.md, a step marks its place with `<!-- step-yaml: 03a-blue-green-50-50.yaml -->` ... `<!-- step-yaml-end -->`
// (several files separated by spaces). Between the markers goes the mesh configuration that step renders and step 2
// (02-mesh.yaml) does not: the objects it adds or changes, so a reader sees what the step is about.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { chartDir, examplesDir, helmBin, type K8sObject } from './render.ts';

/** The walkthrough's own release and namespace, so the YAML reads as it will on the cluster. */
const WALKTHROUGH = { release: 'demo', namespace: 'mesh-demo' };
const BASELINE = ['02-mesh.yaml'];
const MESH_GROUPS = /(^|\.)istio\.io\/|^gateway\.networking\.k8s\.io\//;
const MARKER = /<!-- step-yaml: ([^>]+?) -->\n[\s\S]*?<!-- step-yaml-end -->/g;

function renderStep(files: readonly string[]): K8sObject[] {
  const args = ['template', WALKTHROUGH.release, chartDir, '--namespace', WALKTHROUGH.namespace, '--skip-tests'];
  for (const file of files) args.push('-f', join(examplesDir, file));
  const result = spawnSync(helmBin(), args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`helm template ${files.join(' ')} failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && MESH_GROUPS.test(o.apiVersion));
}

/** An object as a reader wants it: the chart's bookkeeping labels dropped, everything that routes traffic kept. */
function readable(object: K8sObject): K8sObject {
  const { labels: _labels, ...metadata } = object.metadata;
  return { ...object, metadata };
}

const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;

/** What the step applies beyond step 2: added objects and changed ones (step 2 itself: all of them). */
export function stepObjects(files: readonly string[]): K8sObject[] {
  const step = renderStep(files).map(readable);
  if (files.join(' ') === BASELINE.join(' ')) return step;
  const baseline = new Map(
    renderStep(BASELINE)
      .map(readable)
      .map((o) => [key(o), JSON.stringify(o)]),
  );
  return step.filter((o) => baseline.get(key(o)) !== JSON.stringify(o));
}

export function stepBlock(files: readonly string[]): string {
  const objects = stepObjects(files);
  const yaml = objects.length ? objects.map((o) => stringify(o, { lineWidth: 0 }).trimEnd()).join('\n---\n') : '# nothing beyond step 2';
  return [
    `<!-- step-yaml: ${files.join(' ')} -->`,
    '<details><summary>The mesh configuration this step applies (rendered from the chart; generated, do not edit)</summary>',
    '',
    '```yaml',
    yaml,
    '```',
    '',
    '</details>',
    '<!-- step-yaml-end -->',
  ].join('\n');
}

/** The README with every step block regenerated. */
export function readmeWithSteps(readme: string): string {
  return readme.replace(MARKER, (_block, files: string) => stepBlock(files.trim().split(/\s+/)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = join(chartDir, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const updated = readmeWithSteps(readme);
  if (process.argv.includes('--write')) {
    writeFileSync(path, updated);
    console.log(`step-yaml: README.md ${updated === readme ? 'already up to date' : 'updated'}`);
  } else {
    console.log(updated === readme ? 'step-yaml: README.md is up to date' : 'step-yaml: README.md is out of date; run with --write');
    process.exitCode = updated === readme ? 0 : 1;
  }
}
