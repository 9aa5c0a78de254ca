// The chart's own output for a demo step: `helm template` with the step's values files, parsed into objects.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CHART_DIR, EXAMPLES_DIR } from '@mesh-demo/workspace';
import { parseAllDocuments } from 'yaml';
import { MeshError } from './errors.ts';
import type { KubeObject } from './kube.ts';

/** The walkthrough's names: `helm upgrade --install demo $CHART -n mesh-demo`. */
export const RELEASE = 'demo';
export const NAMESPACE = 'mesh-demo';

/** A step file as the user named it: a path, or the name of one of the chart's examples (`03a-blue-green-50-50`). */
export async function resolveStepFile(file: string): Promise<string> {
  const candidates = [resolve(file), join(EXAMPLES_DIR, file), join(EXAMPLES_DIR, `${file}.yaml`)];
  for (const candidate of candidates) {
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new MeshError(`no such step file: ${file} (neither a path nor one of charts/mesh-demo/examples)`);
}

/** helm template of the chart with these values files, in order; a chart `fail` or a YAML error is one line. */
export async function renderChart(helm: string, files: readonly string[]): Promise<string> {
  const args = ['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE, '--skip-tests', ...files.flatMap((f) => ['-f', f])];
  try {
    const { stdout } = await promisify(execFile)(helm, args, { maxBuffer: 64 << 20 });
    return stdout;
  } catch (error) {
    const stderr = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
    throw new MeshError(`the step does not render: ${stderr.replace(/^Error: /, '').split('\n')[0]}`);
  }
}

/** The objects of a multi-document YAML stream (empty documents dropped). */
export function parseObjects(yaml: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(yaml)) {
    if (document.errors.length) throw new MeshError(`invalid YAML: ${document.errors[0]!.message.split('\n')[0]}`);
    const value = document.toJS() as KubeObject | null;
    if (!value) continue;
    if (typeof value.kind !== 'string' || typeof value.apiVersion !== 'string' || typeof value.metadata?.name !== 'string') {
      throw new MeshError(`a document has no apiVersion, kind or metadata.name: ${JSON.stringify(value).slice(0, 120)}`);
    }
    objects.push(value);
  }
  return objects;
}
