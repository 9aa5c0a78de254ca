// install/ subscribes to no operator package its catalog has retired: such a Subscription stalls every operator in its namespace.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { type K8sObject, repoRoot } from '../src/render.ts';

interface Retired {
  readonly package: string;
  readonly catalog: string;
  readonly retired: string;
  readonly source: string;
}

const retired = parse(readFileSync(join(repoRoot, 'charts/tests/retired-operators.yaml'), 'utf8')) as Retired[];

/** Every Subscription under install/, with the file it is in. */
function subscriptions(): { file: string; sub: K8sObject }[] {
  const dir = join(repoRoot, 'install');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
        .map((d) => d.toJS() as K8sObject | null)
        .filter((o): o is K8sObject => o?.kind === 'Subscription')
        .map((sub) => ({ file, sub })),
    );
}

/** One line per Subscription to a retired package (empty: none). */
function refusals(subs: readonly { file: string; sub: K8sObject }[]): string[] {
  return subs.flatMap(({ file, sub }) => {
    const hit = retired.find((r) => r.package === sub.spec?.name && r.catalog === sub.spec?.source);
    return hit ? [`${file}: Subscription ${sub.metadata.name} names ${hit.package}, retired from ${hit.catalog} on ${hit.retired}`] : [];
  });
}

describe('retired operator packages', () => {
  test('every retired package names its catalog, the day and a source', () => {
    assert.ok(retired.length > 0, 'charts/tests/retired-operators.yaml lists nothing');
    for (const r of retired) {
      assert.match(r.package, /^[a-z0-9-]+$/);
      assert.match(r.retired, /^\d{4}-\d{2}-\d{2}$/, `${r.package}: retired date`);
      assert.ok(r.catalog && r.source.length > 40, `${r.package}: catalog and source`);
    }
  });

  test('no Subscription under install/ names a retired package', () => {
    const subs = subscriptions();
    assert.ok(subs.length >= 6, `found only ${subs.length} Subscriptions under install/`);
    assert.deepEqual(refusals(subs), []);
  });

  test('a Subscription to jaeger-product from redhat-operators is refused, naming the file and the day (negative control)', () => {
    const sub = {
      apiVersion: 'operators.coreos.com/v1alpha1',
      kind: 'Subscription',
      metadata: { name: 'jaeger-product', namespace: 'openshift-operators' },
      spec: { channel: 'stable', name: 'jaeger-product', source: 'redhat-operators', sourceNamespace: 'openshift-marketplace' },
    } as K8sObject;
    assert.deepEqual(refusals([{ file: 'ossm2/00-operators.yaml', sub }]), [
      'ossm2/00-operators.yaml: Subscription jaeger-product names jaeger-product, retired from redhat-operators on 2025-11-03',
    ]);
  });
});
