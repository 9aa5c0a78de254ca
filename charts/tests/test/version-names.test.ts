// Version names: the chart renders exactly those the kit accepts as VERSION (the kit's shared cases), and each one it
// renders makes valid object names, labels and VERSION values.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type Doc, find, render, renderError, repoRoot } from '../src/render.ts';

const cases = JSON.parse(readFileSync(join(repoRoot, 'packages/kit/test/version-cases.json'), 'utf8')) as {
  good: string[];
  bad: Array<{ value: string; why: string }>;
};

// Values go in a JSON file (JSON is YAML), not --set: it carries any string as a key as it is, dots and spaces too.
const dir = mkdtempSync(join(tmpdir(), 'version-names-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let written = 0;
function valuesFile(values: unknown): string {
  const file = join(dir, `values-${written++}.json`);
  writeFileSync(file, JSON.stringify(values));
  return file;
}

/** recommendation with one more version, enabled, and a header match routing to it. */
const withVersion = (version: string) => ({
  services: {
    recommendation: {
      versions: { [version]: { enabled: true } },
      traffic: { match: [{ header: 'end-user', exact: 'jason', version }] },
    },
  },
});

// What Kubernetes takes as a Service name (DNS-1035 label), the strictest name a version becomes part of.
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

describe('version names the kit accepts', () => {
  for (const version of cases.good) {
    test(`${version} renders a Deployment and a Gateway API backend named recommendation-${version}, labelled and set as VERSION`, () => {
      const objs = render({ files: [valuesFile(withVersion(version))], set: ['gatewayApi.enabled=true'] });
      const name = `recommendation-${version}`;
      const deployment = find(objs, 'Deployment', name);
      const labels = deployment.spec.template.metadata.labels;
      assert.equal(labels.version, version, 'the label stays the string it was');
      const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: Doc) => [e.name, e.value]));
      assert.equal(env.VERSION, version);
      find(objs, 'Service', name);
      assert.match(name, DNS_1035_LABEL);
      assert.ok(name.length <= 63, `${name} fits a DNS label`);
    });
  }
});

describe('version names the kit refuses', () => {
  for (const { value, why } of cases.bad) {
    test(`${JSON.stringify(value)} is refused by the values schema, as a version key and as a route's version (${why})`, () => {
      const key = valuesFile({ services: { recommendation: { versions: { [value]: { enabled: true } } } } });
      assert.match(renderError({ files: [key] }), /\/services\/recommendation\/versions': additional properties .* not allowed/);
      const match = valuesFile({
        services: { recommendation: { traffic: { match: [{ header: 'end-user', exact: 'j', version: value }] } } },
      });
      assert.match(renderError({ files: [match] }), /\/services\/recommendation\/traffic\/match\/0\/version': .* does not match pattern/);
    });
  }
});
