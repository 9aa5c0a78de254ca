// The `apiserver` step: kube-apiserver bound to the host's leg on the pods' bridge, with kubeadm's authn, authz and admission.
import type { ClusterConfig } from './config.ts';
import { etcdClientURL } from './etcd.ts';
import { httpOk } from './health.ts';
import { apiServerURL, pkiFiles } from './pki-plan.ts';
import { kubeProcess, processStep, requireTool } from './process-step.ts';
import type { ClusterStep } from './step.ts';

/** The service-account issuer: the `kubernetes` Service's own name, as kubeadm sets it. */
export function serviceAccountIssuer(config: ClusterConfig): string {
  return `https://kubernetes.default.svc.${config.clusterDomain}`;
}

export function apiServerArgs(config: ClusterConfig): string[] {
  const pki = pkiFiles(config);
  const issuer = serviceAccountIssuer(config);
  return [
    `--etcd-servers=${etcdClientURL(config)}`,
    // Bound to and advertised on the host's leg (not loopback, not eth0): the `kubernetes` Service's endpoint, reachable
    // from the host, the node and every pod, and from nowhere else.
    `--bind-address=${config.hostIP}`,
    `--advertise-address=${config.hostIP}`,
    `--secure-port=${config.ports.apiServer}`,
    `--tls-cert-file=${pki.pair('apiserver').cert}`,
    `--tls-private-key-file=${pki.pair('apiserver').key}`,
    `--client-ca-file=${pki.ca.cert}`,
    `--service-cluster-ip-range=${config.serviceCIDR}`,
    `--service-account-issuer=${issuer}`,
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    // istiod's CA accepts tokens for the audience istio-ca (the sidecars' istio-token volume).
    `--api-audiences=${issuer},istio-ca`,
    '--authorization-mode=Node,RBAC',
    // The rest of kubeadm's set (PodSecurity, both webhook plugins, TaintNodesByCondition, ...) is on by default.
    '--enable-admission-plugins=NodeRestriction',
    // As kubeadm: with false, field validation would refuse a privileged pod before PodSecurity could say why.
    '--allow-privileged=true',
    '--enable-bootstrap-token-auth=false',
    '--profiling=false',
    // The node's API (logs, exec, port-forward) at its InternalIP, verified against our CA, called as
    // kube-apiserver-kubelet-client; the default order starts with Hostname, which nothing here resolves.
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-certificate-authority=${pki.ca.cert}`,
    `--kubelet-client-certificate=${pki.pair('apiserver-kubelet-client').cert}`,
    `--kubelet-client-key=${pki.pair('apiserver-kubelet-client').key}`,
    // kubeadm's front proxy: without it the controller-manager and scheduler log "missing content for CA bundle".
    `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki.pair('front-proxy-client').cert}`,
    `--proxy-client-key-file=${pki.pair('front-proxy-client').key}`,
  ];
}

/** The API server's /readyz, asked as the admin (verifying the server against our CA). */
export function apiServerReady(config: ClusterConfig) {
  const pki = pkiFiles(config);
  return httpOk(`${apiServerURL(config)}/readyz`, { ca: pki.ca.cert, cert: pki.pair('admin').cert, key: pki.pair('admin').key });
}

export function apiServerStep(): ClusterStep {
  return processStep('apiserver', async (ctx) => {
    await requireTool(ctx.tools.kube, 'kube');
    return [
      kubeProcess(ctx, 'kube-apiserver', apiServerArgs(ctx.config), apiServerReady(ctx.config), {
        // It needs a few seconds to let go of its port after SIGTERM (an immediate restart found it still bound).
        stopTimeoutMs: 15_000,
      }),
    ];
  });
}
