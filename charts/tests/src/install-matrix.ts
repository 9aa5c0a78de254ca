// install/README.md's Service Mesh 3 support matrix, the vendored CRDs of each minor and the pins of install/ossm3, read and checked against each other (test/install-matrix.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type Doc, repoRoot } from './render.ts';

export const vendorDir = join(repoRoot, 'charts/tests/schemas/operators');

/** One row of the matrix, its cells without their backquotes. */
export type MatrixRow = { minor: string; isDefault: boolean; openshift: string; channel: string; istio: string; shadow: string };

/** What one minor's vendored CRDs say: the versions its Istio and IstioCNI accept, the Istio default, the files' headers. */
export type MinorCrds = {
  minor: string;
  istioVersions: string[];
  cniVersions: string[];
  defaultIstio: string;
  headers: { file: string; source: string }[];
};

/** What install/ossm3 sets: servicemeshoperator3's channel and the IstioCNI's and Istio's versions. */
export type InstallPins = { channel: string; istio: string; cni: string };

const HEADER = /^\| Service Mesh \| OpenShift \| Channel \| Istio version \|/;

export function readMatrix(readme: string): MatrixRow[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => HEADER.test(l));
  if (start < 0)
    throw new Error('install/README.md has no support matrix (a table headed | Service Mesh | OpenShift | Channel | Istio version |)');
  const rows: MatrixRow[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim().replaceAll('`', ''));
    const [first = '', openshift = '', channel = '', istio = '', shadow = ''] = cells;
    rows.push({ minor: first.split(' ')[0] ?? '', isDefault: first.includes('(default)'), openshift, channel, istio, shadow });
  }
  return rows;
}

function specVersion(crdFile: string): { enum: string[]; default: string } {
  const crd = parseAllDocuments(readFileSync(crdFile, 'utf8'))
    .map((d) => d.toJS() as Doc)
    .find((d) => d?.kind === 'CustomResourceDefinition');
  const version = crd?.spec.versions.find((v: Doc) => v.name === 'v1')?.schema.openAPIV3Schema.properties.spec.properties.version;
  if (!version) throw new Error(`${crdFile}: no v1 spec.version`);
  return { enum: version.enum ?? [], default: version.default ?? '' };
}

/** Every sail-operator-3.<minor>/ directory under the vendored operator CRDs. */
export function readVendoredCrds(dir = vendorDir): MinorCrds[] {
  return readdirSync(dir)
    .filter((d) => /^sail-operator-3\.\d+$/.test(d))
    .map((d) => {
      const minorDir = join(dir, d);
      const istio = specVersion(join(minorDir, 'sailoperator.io_istios.crd.yaml'));
      const headers = readdirSync(minorDir)
        .filter((f) => f.endsWith('.crd.yaml'))
        .sort()
        .map((file) => ({ file, source: readFileSync(join(minorDir, file), 'utf8').split('\n')[1] ?? '' }));
      return {
        minor: d.replace('sail-operator-', ''),
        istioVersions: istio.enum,
        cniVersions: specVersion(join(minorDir, 'sailoperator.io_istiocnis.crd.yaml')).enum,
        defaultIstio: istio.default,
        headers,
      };
    });
}

export function readInstallPins(): InstallPins {
  const load = (f: string) =>
    parseAllDocuments(readFileSync(join(repoRoot, 'install/ossm3', f), 'utf8'))
      .map((d) => d.toJS() as Doc)
      .filter(Boolean);
  const subscription = load('00-operators.yaml').find((o) => o.kind === 'Subscription' && o.spec.name === 'servicemeshoperator3');
  const plane = load('10-control-plane.yaml');
  return {
    channel: subscription?.spec.channel,
    istio: plane.find((o) => o.kind === 'Istio')?.spec.version,
    cni: plane.find((o) => o.kind === 'IstioCNI')?.spec.version,
  };
}

/** "v1.30-latest" or "v1.30.3" -> 30; NaN for anything else. */
function istioLine(version: string): number {
  const m = /^v1\.(\d+)(?:-latest|\.\d+)$/.exec(version);
  return m ? Number(m[1]) : Number.NaN;
}

const minorNumber = (minor: string) => Number(minor.split('.')[1]);

/** Every way the matrix, the vendored CRDs and the install files disagree, one line each; empty when they agree. */
export function matrixProblems(rows: MatrixRow[], crds: MinorCrds[], pins: InstallPins): string[] {
  const problems: string[] = [];
  const byMinor = new Map(crds.map((c) => [c.minor, c]));
  const rowMinors = rows.map((r) => r.minor);
  for (const c of crds) if (!rowMinors.includes(c.minor)) problems.push(`Service Mesh ${c.minor} is vendored but has no matrix row`);
  const newest = [...rows].sort((a, b) => minorNumber(b.minor) - minorNumber(a.minor))[0];
  const defaults = rows.filter((r) => r.isDefault);
  if (defaults.length !== 1 || defaults[0] !== newest) {
    problems.push(`the row marked (default) must be the newest minor, ${newest?.minor}, alone: it is ${defaults.map((r) => r.minor)}`);
  }
  for (const row of rows) {
    const at = `Service Mesh ${row.minor}`;
    const minor = byMinor.get(row.minor);
    if (!minor) {
      problems.push(`${at} has a matrix row but no vendored CRDs (charts/tests/schemas/operators/sail-operator-${row.minor})`);
      continue;
    }
    if (row.openshift === '') problems.push(`${at}: the OpenShift cell is empty (say "not found" when no source says)`);
    if (row.channel !== `stable-${row.minor}`) problems.push(`${at}: channel ${row.channel} is not its own, stable-${row.minor}`);
    if (!/^v1\.\d+-latest$/.test(row.istio)) problems.push(`${at}: Istio version ${row.istio} is not a v1.N-latest line`);
    if (!minor.istioVersions.includes(row.istio)) problems.push(`${at}: Istio version ${row.istio} is not in its Istio CRD's enum`);
    if (!minor.cniVersions.includes(row.istio)) problems.push(`${at}: Istio version ${row.istio} is not in its IstioCNI CRD's enum`);
    if (istioLine(row.istio) !== istioLine(minor.defaultIstio)) {
      problems.push(`${at}: Istio version ${row.istio} is not on the line of its CRD's default, ${minor.defaultIstio}`);
    }
    // Istio 1.28 added DISABLE_SHADOW_HOST_SUFFIX, true by default: before it every mirror's Host got "-shadow".
    const expected = istioLine(row.istio) >= 28 ? 'No' : 'Yes';
    if (!row.shadow.startsWith(expected))
      problems.push(`${at}: the -shadow cell should start with ${expected} for ${row.istio}: ${row.shadow}`);
  }
  if (newest) {
    if (pins.channel !== newest.channel)
      problems.push(`00-operators.yaml subscribes to ${pins.channel}, not the default row's ${newest.channel}`);
    if (pins.istio !== newest.istio) problems.push(`10-control-plane.yaml's Istio is ${pins.istio}, not the default row's ${newest.istio}`);
    if (pins.cni !== newest.istio) problems.push(`10-control-plane.yaml's IstioCNI is ${pins.cni}, not the default row's ${newest.istio}`);
  }
  return problems;
}

/** Every vendored CRD whose header does not name its directory's release branch and a commit. */
export function provenanceProblems(crds: MinorCrds[]): string[] {
  return crds.flatMap((c) =>
    c.headers
      .filter(
        ({ source }) => !new RegExp(`openshift-service-mesh/sail-operator, branch release-${c.minor}, commit [0-9a-f]{40} `).test(source),
      )
      .map(({ file }) => `sail-operator-${c.minor}/${file}: its second line does not name release-${c.minor} and a commit`),
  );
}
