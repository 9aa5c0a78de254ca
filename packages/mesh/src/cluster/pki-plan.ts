// What the cluster's PKI holds, as data: every certificate's subject, usage, names and issuer, and where each file lives.
import { join } from 'node:path';
import { type ClusterConfig, runPaths } from './config.ts';

export type Issuer = 'ca' | 'front-proxy-ca';

/** A key pair and its certificate, signed by one of the two CAs. */
export interface CertificateSpec {
  /** The files' base name: `<pki>/<name>.crt` and `<pki>/<name>.key`. */
  readonly name: string;
  readonly commonName: string;
  /** The subject's O: Kubernetes reads it as the user's groups. */
  readonly organization?: string;
  readonly usage: 'server' | 'client';
  /** subjectAltName entries, as openssl writes them: `IP:10.244.0.1`, `DNS:kubernetes`. */
  readonly altNames?: readonly string[];
  readonly issuer: Issuer;
}

/** The identities that talk to the API server with a kubeconfig of their own (their certificate's name). */
export const KUBECONFIG_IDENTITIES = ['admin', 'controller-manager', 'scheduler', 'kube-proxy', 'node'] as const;
export type KubeconfigIdentity = (typeof KUBECONFIG_IDENTITIES)[number];

/** Every leaf certificate of the cluster, as kubeadm names and shapes them. */
export function certificatePlan(config: ClusterConfig): CertificateSpec[] {
  const client = (name: string, commonName: string, organization?: string): CertificateSpec => ({
    name,
    commonName,
    usage: 'client',
    issuer: 'ca',
    ...(organization && { organization }),
  });
  const domain = config.clusterDomain;
  return [
    {
      name: 'apiserver',
      commonName: 'kube-apiserver',
      usage: 'server',
      issuer: 'ca',
      // Every name a client may dial: the host's leg, the `kubernetes` Service, loopback, and the Service's DNS names.
      altNames: [
        `IP:${config.hostIP}`,
        `IP:${config.apiServerServiceIP}`,
        'IP:127.0.0.1',
        'DNS:localhost',
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
        `DNS:kubernetes.default.svc.${domain}`,
      ],
    },
    client('admin', 'kubernetes-admin', 'system:masters'),
    client('controller-manager', 'system:kube-controller-manager'),
    client('scheduler', 'system:kube-scheduler'),
    client('kube-proxy', 'system:kube-proxy'),
    // The Node authorizer and NodeRestriction know the node by exactly this name and group.
    client('node', `system:node:${config.nodeName}`, 'system:nodes'),
    // The API server's identity when it calls the node's API (logs, exec, port-forward).
    client('apiserver-kubelet-client', 'kube-apiserver-kubelet-client', 'system:masters'),
    {
      // The node's API (the kubelet's port), verified by the API server with our CA: --kubelet-certificate-authority.
      name: 'node-serving',
      commonName: `system:node:${config.nodeName}`,
      organization: 'system:nodes',
      usage: 'server',
      issuer: 'ca',
      altNames: [`IP:${config.nodeIP}`, `DNS:${config.nodeName}`],
    },
    // What the API server presents to aggregated APIs; its CA is the one they trust for request headers.
    { name: 'front-proxy-client', commonName: 'front-proxy-client', usage: 'client', issuer: 'front-proxy-ca' },
  ];
}

/** Where each file of the PKI lives. */
export function pkiFiles(config: ClusterConfig) {
  const dir = runPaths(config).pki;
  const pair = (name: string) => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  return {
    dir,
    ca: pair('ca'),
    frontProxyCa: pair('front-proxy-ca'),
    pair,
    /** The service-account token signing key and its public half (the API server verifies tokens with it). */
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
    /** What the PKI was made for: a different plan (addresses, names) means a new PKI. */
    stamp: join(dir, 'plan.json'),
  } as const;
}

/** The API server's URL as every kubeconfig names it: the host's leg, where it binds. */
export function apiServerURL(config: ClusterConfig): string {
  return `https://${config.hostIP}:${config.ports.apiServer}`;
}
