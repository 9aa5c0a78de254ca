// A kubeconfig with its certificates embedded (so a copy works anywhere), for one identity of the cluster.
import { stringify } from 'yaml';

export interface KubeconfigInput {
  /** The cluster's and context's name. */
  readonly cluster: string;
  readonly user: string;
  readonly server: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const base64 = (pem: string) => Buffer.from(pem).toString('base64');

export function renderKubeconfig(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.cluster, cluster: { server: input.server, 'certificate-authority-data': base64(input.caPem) } }],
    users: [{ name: input.user, user: { 'client-certificate-data': base64(input.certPem), 'client-key-data': base64(input.keyPem) } }],
    contexts: [{ name: input.cluster, context: { cluster: input.cluster, user: input.user } }],
    'current-context': input.cluster,
    preferences: {},
  });
}
