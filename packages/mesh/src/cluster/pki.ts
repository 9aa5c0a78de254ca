// The cluster's PKI with openssl: two CAs, ECDSA P-256 certificates for every identity, the service-account key, kubeconfigs.
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ClusterConfig, runPaths } from './config.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { apiServerURL, type CertificateSpec, certificatePlan, KUBECONFIG_IDENTITIES, pkiFiles } from './pki-plan.ts';
import { runCommand } from './run-command.ts';

/** ECDSA P-256: a key in milliseconds (RSA-2048 took the prototype 2.6 s for the set), and every component accepts it. */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const CA_DAYS = '3650';
const LEAF_DAYS = '365';
/** A certificate closer than this to its end is renewed with the rest. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/** openssl's extension sections: one per certificate, named after it, and the CAs'. */
export function opensslConfig(certificates: readonly CertificateSpec[]): string {
  const sections = [
    '[req]\ndistinguished_name = dn\n[dn]',
    '[ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier = hash',
  ];
  for (const spec of certificates) {
    const lines = [
      `[${spec.name}]`,
      'basicConstraints = critical,CA:FALSE',
      // ECDSA keys sign; keyEncipherment is RSA's.
      'keyUsage = critical,digitalSignature',
      `extendedKeyUsage = ${spec.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
      'authorityKeyIdentifier = keyid',
    ];
    if (spec.altNames?.length) lines.push(`subjectAltName = ${spec.altNames.join(',')}`);
    sections.push(lines.join('\n'));
  }
  return `${sections.join('\n\n')}\n`;
}

/** The -subj of a certificate: O (Kubernetes' group) before CN (the user), as kubeadm writes them. */
export function subjectOf(spec: Pick<CertificateSpec, 'commonName' | 'organization'>): string {
  return `${spec.organization ? `/O=${spec.organization}` : ''}/CN=${spec.commonName}`;
}

/** What the PKI is made for; kept beside it, so a run with other addresses or names makes a new one. */
export function pkiStamp(config: ClusterConfig): string {
  return `${JSON.stringify({ version: 1, server: apiServerURL(config), certificates: certificatePlan(config) }, null, 2)}\n`;
}

export interface PkiResult {
  /** True when a valid PKI for the same plan was already there. */
  readonly reused: boolean;
  readonly seconds: number;
}

/** Makes the PKI under runPaths(config).pki, or keeps the one there when it is for this plan and still valid. */
export async function ensurePki(config: ClusterConfig): Promise<PkiResult> {
  const started = performance.now();
  const reused = await existingPkiIsValid(config);
  if (!reused) await generatePki(config);
  return { reused, seconds: (performance.now() - started) / 1000 };
}

async function existingPkiIsValid(config: ClusterConfig): Promise<boolean> {
  const files = pkiFiles(config);
  try {
    if ((await readFile(files.stamp, 'utf8')) !== pkiStamp(config)) return false;
    const ca = new X509Certificate(await readFile(files.ca.cert));
    const frontProxyCa = new X509Certificate(await readFile(files.frontProxyCa.cert));
    const issuers = { ca, 'front-proxy-ca': frontProxyCa };
    const fresh = (cert: X509Certificate) => new Date(cert.validTo).getTime() - Date.now() > RENEW_BEFORE_MS;
    if (!fresh(ca) || !fresh(frontProxyCa)) return false;
    for (const spec of certificatePlan(config)) {
      const cert = new X509Certificate(await readFile(files.pair(spec.name).cert));
      if (!fresh(cert) || !cert.verify(issuers[spec.issuer].publicKey)) return false;
      await readFile(files.pair(spec.name).key);
    }
    const paths = runPaths(config);
    for (const file of [
      files.serviceAccountKey,
      files.serviceAccountPub,
      paths.adminKubeconfig,
      ...KUBECONFIG_IDENTITIES.map(paths.kubeconfig),
    ])
      await readFile(file);
    return true;
  } catch {
    return false;
  }
}

async function generatePki(config: ClusterConfig): Promise<void> {
  const files = pkiFiles(config);
  const plan = certificatePlan(config);
  await rm(files.dir, { recursive: true, force: true });
  // Only the PKI is private: the rest of the run directory holds pods' files that their (unprivileged) users read.
  await mkdir(config.runDir, { recursive: true });
  await mkdir(files.dir, { mode: 0o700 });
  const cnf = join(files.dir, 'openssl.cnf');
  await writeFile(cnf, opensslConfig(plan));
  const openssl = (args: string[]) => runCommand('openssl', args, { label: 'openssl (the cluster PKI)' });
  const newCa = (pair: { cert: string; key: string }, commonName: string) =>
    openssl([
      'req',
      '-x509',
      '-config',
      cnf,
      '-extensions',
      'ca',
      ...NEW_KEY,
      '-keyout',
      pair.key,
      '-out',
      pair.cert,
      '-subj',
      `/CN=${commonName}`,
      '-days',
      CA_DAYS,
    ]);
  await Promise.all([
    newCa(files.ca, `${config.prefix}kubernetes-ca`),
    newCa(files.frontProxyCa, `${config.prefix}front-proxy-ca`),
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', files.serviceAccountKey]).then(() =>
      openssl(['pkey', '-in', files.serviceAccountKey, '-pubout', '-out', files.serviceAccountPub]),
    ),
  ]);
  const issuers = { ca: files.ca, 'front-proxy-ca': files.frontProxyCa };
  await Promise.all(
    plan.map((spec) => {
      const { cert, key } = files.pair(spec.name);
      const issuer = issuers[spec.issuer];
      return openssl(
        ['req', '-x509', '-config', cnf, '-extensions', spec.name, ...NEW_KEY, '-keyout', key, '-out', cert].concat([
          '-subj',
          subjectOf(spec),
          '-CA',
          issuer.cert,
          '-CAkey',
          issuer.key,
          '-days',
          LEAF_DAYS,
        ]),
      );
    }),
  );
  await writeKubeconfigs(config);
  await Promise.all(
    [files.ca.key, files.frontProxyCa.key, files.serviceAccountKey, ...plan.map((spec) => files.pair(spec.name).key)].map((key) =>
      chmod(key, 0o600),
    ),
  );
  // Last: a PKI cut short never has a stamp, so the next run makes it again.
  await writeFile(files.stamp, pkiStamp(config));
}

async function writeKubeconfigs(config: ClusterConfig): Promise<void> {
  const files = pkiFiles(config);
  const paths = runPaths(config);
  const caPem = await readFile(files.ca.cert, 'utf8');
  await Promise.all(
    KUBECONFIG_IDENTITIES.map(async (identity) => {
      const pair = files.pair(identity);
      const text = renderKubeconfig({
        cluster: `${config.prefix}cluster`,
        user: identity,
        server: apiServerURL(config),
        caPem,
        certPem: await readFile(pair.cert, 'utf8'),
        keyPem: await readFile(pair.key, 'utf8'),
      });
      await writeFile(paths.kubeconfig(identity), text, { mode: 0o600 });
      if (identity === 'admin') await writeFile(paths.adminKubeconfig, text, { mode: 0o600 });
    }),
  );
}
