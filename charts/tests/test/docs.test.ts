// The README values table matches values.yaml, every value is documented, and the schema is closed everywhere.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { chartDir, exampleFiles } from '../src/render.ts';
import { readmeWithSteps } from '../src/step-yaml.ts';
import { readmeWithTable, valuesRows } from '../src/values-table.ts';

const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');
const valuesText = readFileSync(join(chartDir, 'values.yaml'), 'utf8');

function leafPaths(v: unknown, prefix = ''): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length === 0) return [prefix];
  return Object.entries(v).flatMap(([k, x]) => leafPaths(x, prefix ? `${prefix}.${k}` : k));
}

describe('README and values.yaml', () => {
  test('the README values table is what the generator makes from values.yaml', () => {
    assert.equal(readme, readmeWithTable(readme), 'run: pnpm --filter @mesh-demo/chart-tests values-table --write');
  });

  test('every value in values.yaml is documented by a comment naming it or its parent', () => {
    const documented = new Set(valuesRows(valuesText).map((r) => r.name));
    for (const path of leafPaths(parse(valuesText))) {
      const parts = path.split('.');
      const covered = parts.some((_, i) => documented.has(parts.slice(0, i + 1).join('.')));
      assert.ok(covered, `${path} has no "# ${path} -- ..." comment`);
    }
  });

  test('every documented name exists in values.yaml', () => {
    for (const r of valuesRows(valuesText)) assert.notEqual(r.defaultValue, undefined, `${r.name} is documented but not a value`);
  });

  test('the README walks through every example file', () => {
    for (const f of exampleFiles()) assert.ok(readme.includes(f), `README does not mention examples/${f}`);
  });

  test('the mesh configuration shown under each step is what the chart renders for it', () => {
    assert.equal(readme, readmeWithSteps(readme), 'run: pnpm --filter @mesh-demo/chart-tests step-yaml --write');
  });

  test('every Istio step of the walkthrough shows its mesh configuration', () => {
    const shown = new Set([...readme.matchAll(/<!-- step-yaml: ([^>]+?) -->/g)].flatMap((m) => m[1]!.trim().split(/\s+/)));
    const meshSteps = exampleFiles().filter((f) => /^(0[2-4]|resilience-|security-|egress-|flavor-gateway-api)/.test(f));
    assert.deepEqual(
      meshSteps.filter((f) => !shown.has(f)),
      [],
    );
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8'));

  test('every object schema with properties is closed with additionalProperties false', () => {
    const open: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if ((n.properties || n.patternProperties) && n.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(n)) walk(v, `${at}/${k}`);
    };
    walk(schema, '#');
    assert.deepEqual(open, []);
  });
});
