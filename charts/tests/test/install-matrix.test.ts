// install/README.md's Service Mesh 3 support matrix agrees with the vendored CRDs of each minor and with install/ossm3's pins, and each check fails on a matrix that does not.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type InstallPins,
  type MatrixRow,
  matrixProblems,
  provenanceProblems,
  readInstallPins,
  readMatrix,
  readVendoredCrds,
} from '../src/install-matrix.ts';
import { repoRoot } from '../src/render.ts';

const rows = readMatrix(readFileSync(join(repoRoot, 'install/README.md'), 'utf8'));
const crds = readVendoredCrds();
const pins = readInstallPins();

/** The real matrix with one row changed, for the negative controls. */
function withRow(minor: string, change: Partial<MatrixRow>): MatrixRow[] {
  assert.ok(
    rows.some((r) => r.minor === minor),
    `no row ${minor} to change`,
  );
  return rows.map((r) => (r.minor === minor ? { ...r, ...change } : r));
}

describe('install/README.md: the Service Mesh 3 support matrix', () => {
  test('has one row per vendored minor, at least two', () => {
    assert.ok(rows.length >= 2, `rows: ${rows.map((r) => r.minor)}`);
    assert.deepEqual(rows.map((r) => r.minor).sort(), crds.map((c) => c.minor).sort());
  });

  test("agrees with each minor's CRDs and with install/ossm3: own channel, own default Istio line, -shadow by line, newest is the default", () => {
    assert.deepEqual(matrixProblems(rows, crds, pins), []);
  });

  test('every vendored CRD names its own release branch and commit', () => {
    assert.ok(crds.length > 0 && crds.every((c) => c.headers.length === 4), 'four CRDs per minor');
    assert.deepEqual(provenanceProblems(crds), []);
  });
});

describe('install/README.md: the matrix checks fail on a matrix that is wrong', () => {
  const cases: { what: string; rows?: MatrixRow[]; pins?: InstallPins; expect: RegExp }[] = [
    {
      what: "3.3's v1.28-latest set for 3.1 (3.1's CRDs refuse it)",
      rows: withRow('3.1', { istio: 'v1.28-latest' }),
      expect: /3\.1: Istio version v1\.28-latest is not in its Istio CRD's enum/,
    },
    {
      what: 'an older line 3.3 still accepts but does not support (v1.27-latest)',
      rows: withRow('3.3', { istio: 'v1.27-latest' }),
      expect: /3\.3: Istio version v1\.27-latest is not on the line of its CRD's default, v1\.28/,
    },
    {
      what: "another minor's channel",
      rows: withRow('3.3', { channel: 'stable-3.2' }),
      expect: /3\.3: channel stable-3\.2 is not its own/,
    },
    {
      what: 'the -shadow answer of 1.28 given for 1.27',
      rows: withRow('3.2', { shadow: 'No by default' }),
      expect: /3\.2: the -shadow cell should start with Yes/,
    },
    {
      what: 'the default mark on an older minor',
      rows: withRow('3.4', { isDefault: false }).map((r) => (r.minor === '3.3' ? { ...r, isDefault: true } : r)),
      expect: /must be the newest minor, 3\.4/,
    },
    { what: 'a vendored minor left out', rows: rows.filter((r) => r.minor !== '3.2'), expect: /3\.2 is vendored but has no matrix row/ },
    { what: 'an empty OpenShift cell', rows: withRow('3.2', { openshift: '' }), expect: /3\.2: the OpenShift cell is empty/ },
    {
      what: 'the unpinned stable channel in the files',
      pins: { ...pins, channel: 'stable' },
      expect: /00-operators\.yaml subscribes to stable, not the default row's stable-3\.4/,
    },
    {
      what: "the IstioCNI left on 3.3's line",
      pins: { ...pins, cni: 'v1.28-latest' },
      expect: /IstioCNI is v1\.28-latest, not the default row's v1\.30-latest/,
    },
  ];
  for (const c of cases) {
    test(`refuses ${c.what}`, () => {
      const problems = matrixProblems(c.rows ?? rows, crds, c.pins ?? pins);
      assert.ok(
        problems.some((p) => c.expect.test(p)),
        `expected ${c.expect}, got: ${problems.join('; ') || 'no problem'}`,
      );
    });
  }

  test('refuses a vendored CRD whose header names another branch', () => {
    const [first] = crds;
    assert.ok(first);
    const moved = {
      ...first,
      headers: first.headers.map((h) => ({ ...h, source: h.source.replace(`release-${first.minor}`, 'release-3.0') })),
    };
    assert.equal(provenanceProblems([moved]).length, first.headers.length);
  });
});
