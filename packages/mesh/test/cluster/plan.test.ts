// The cluster's plan as data: certificates and kubeconfigs, each process's flags, the network commands, the manifests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { apiServerArgs, serviceAccountIssuer } from '../../src/cluster/apiserver.ts';
import { CONTROLLERS, controllerManagerArgs, schedulerArgs } from '../../src/cluster/controllers.ts';
import { etcdArgs } from '../../src/cluster/etcd.ts';
import { kubeProxyConfiguration } from '../../src/cluster/kube-proxy.ts';
import { renderKubeconfig } from '../../src/cluster/kubeconfig.ts';
import { COREDNS_MANIFEST, fillTemplate, ISTIOD_VALUES, renderManifest } from '../../src/cluster/manifests.ts';
import { opensslConfig, pkiStamp, subjectOf } from '../../src/cluster/pki.ts';
import { apiServerURL, certificatePlan } from '../../src/cluster/pki-plan.ts';
import { testClusterConfig } from './test-config.ts';

const config = testClusterConfig();
const flag = (args: readonly string[], name: string) =>
  args
    .find((arg) => arg.startsWith(`--${name}=`))
    ?.split('=')
    .slice(1)
    .join('=');

describe('pki plan', () => {
  const plan = certificatePlan(config);
  const cert = (name: string) => plan.find((spec) => spec.name === name)!;

  it('gives the API server every name a client dials: the host leg, the kubernetes Service, loopback and its DNS names', () => {
    assert.deepEqual(cert('apiserver').altNames, [
      'IP:10.247.0.1',
      'IP:10.98.0.1',
      'IP:127.0.0.1',
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ]);
    assert.equal(cert('apiserver').usage, 'server');
  });

  it('names each identity as Kubernetes reads it: user from CN, groups from O', () => {
    assert.equal(subjectOf(cert('admin')), '/O=system:masters/CN=kubernetes-admin');
    assert.equal(subjectOf(cert('node')), '/O=system:nodes/CN=system:node:mdtest-node');
    assert.equal(subjectOf(cert('controller-manager')), '/CN=system:kube-controller-manager');
    assert.equal(subjectOf(cert('scheduler')), '/CN=system:kube-scheduler');
    assert.equal(subjectOf(cert('kube-proxy')), '/CN=system:kube-proxy');
    assert.equal(subjectOf(cert('apiserver-kubelet-client')), '/O=system:masters/CN=kube-apiserver-kubelet-client');
    assert.equal(cert('front-proxy-client').issuer, 'front-proxy-ca');
  });

  it("serves the node's API at the node's address and name", () => {
    assert.deepEqual(cert('node-serving').altNames, ['IP:10.247.0.2', 'DNS:mdtest-node']);
    assert.equal(cert('node-serving').usage, 'server');
  });

  it('writes one openssl section per certificate, with the usage and names it needs', () => {
    const text = opensslConfig(plan);
    assert.match(text, /\[apiserver\]\n[^[]*extendedKeyUsage = serverAuth\n[^[]*subjectAltName = IP:10\.247\.0\.1,/);
    assert.match(text, /\[admin\]\n[^[]*extendedKeyUsage = clientAuth/);
    assert.match(text, /\[ca\]\nbasicConstraints = critical,CA:TRUE/);
    assert.doesNotMatch(text, /keyEncipherment/, 'ECDSA keys only sign');
  });

  it('stamps the PKI with its plan, so other addresses make a new one', () => {
    assert.equal(pkiStamp(config), pkiStamp(testClusterConfig()));
    assert.notEqual(pkiStamp(config), pkiStamp({ ...config, hostIP: '10.247.0.9' }));
    assert.notEqual(pkiStamp(config), pkiStamp({ ...config, nodeName: 'other' }));
  });

  it('renders a kubeconfig with the certificates embedded, so a copy works elsewhere', () => {
    const text = renderKubeconfig({
      cluster: 'mdtest-cluster',
      user: 'admin',
      server: apiServerURL(config),
      caPem: 'CA',
      certPem: 'CERT',
      keyPem: 'KEY',
    });
    const kubeconfig = parse(text);
    assert.equal(kubeconfig['current-context'], 'mdtest-cluster');
    assert.equal(kubeconfig.clusters[0].cluster.server, 'https://10.247.0.1:6446');
    assert.equal(Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), 'CA');
    assert.equal(Buffer.from(kubeconfig.users[0].user['client-key-data'], 'base64').toString(), 'KEY');
  });
});

describe('process flags', () => {
  it('keeps etcd on loopback at the configured ports', () => {
    const args = etcdArgs(config);
    assert.equal(flag(args, 'listen-client-urls'), 'http://127.0.0.1:33790');
    assert.equal(flag(args, 'listen-peer-urls'), 'http://127.0.0.1:33800');
    assert.equal(flag(args, 'initial-cluster'), 'mdtest-node=http://127.0.0.1:33800');
    assert.equal(flag(args, 'data-dir'), '/run/mesh-demo-test/etcd');
  });

  it("binds the API server to the host's leg, with the Node authorizer, NodeRestriction and our CA for the node's API", () => {
    const args = apiServerArgs(config);
    assert.equal(flag(args, 'bind-address'), '10.247.0.1');
    assert.equal(flag(args, 'advertise-address'), '10.247.0.1');
    assert.equal(flag(args, 'secure-port'), '6446');
    assert.equal(flag(args, 'etcd-servers'), 'http://127.0.0.1:33790');
    assert.equal(flag(args, 'service-cluster-ip-range'), '10.98.0.0/16');
    assert.equal(flag(args, 'authorization-mode'), 'Node,RBAC');
    assert.equal(flag(args, 'enable-admission-plugins'), 'NodeRestriction');
    assert.equal(flag(args, 'kubelet-certificate-authority'), '/run/mesh-demo-test/pki/ca.crt');
    assert.equal(flag(args, 'api-audiences'), 'https://kubernetes.default.svc.cluster.local,istio-ca');
    assert.equal(serviceAccountIssuer(config), 'https://kubernetes.default.svc.cluster.local');
  });

  it('runs every controller but the cloud and node-IPAM ones, node lifecycle included, each on its loopback port', () => {
    const args = controllerManagerArgs(config);
    assert.equal(flag(args, 'controllers'), CONTROLLERS);
    const list = CONTROLLERS.split(',');
    assert.equal(list[0], '*');
    assert.ok(!list.includes('-node-lifecycle-controller'));
    assert.ok(list.includes('-node-ipam-controller'));
    assert.equal(flag(args, 'secure-port'), '33257');
    assert.equal(flag(args, 'kubeconfig'), '/run/mesh-demo-test/pki/controller-manager.kubeconfig');
    assert.equal(flag(schedulerArgs(config), 'secure-port'), '33259');
    assert.equal(flag(schedulerArgs(config), 'bind-address'), '127.0.0.1');
  });

  it('configures kube-proxy for the node: iptables, its name, the pod range, health on the node address, conntrack left alone', () => {
    const proxy = kubeProxyConfiguration(config) as { conntrack: { maxPerCore: number }; [key: string]: unknown };
    assert.equal(proxy.mode, 'iptables');
    assert.equal(proxy.hostnameOverride, 'mdtest-node');
    assert.equal(proxy.clusterCIDR, '10.247.0.0/16');
    assert.equal(proxy.healthzBindAddress, '10.247.0.2:10256');
    assert.equal(proxy.conntrack.maxPerCore, 0);
  });
});

describe('manifests', () => {
  it('fills {{NAME}} placeholders and refuses one it has no value for', () => {
    assert.equal(fillTemplate('ip {{A}} and {{A}}', { A: '1' }), 'ip 1 and 1');
    assert.throws(() => fillTemplate('{{B}}', { A: '1' }, 'x.yaml'), /x\.yaml: no value for \{\{B\}\}/);
  });

  it("renders CoreDNS as kubeadm's, at the cluster's DNS address and domain, without forwarding off the bridge", async () => {
    const objects = parseAllDocuments(await renderManifest(COREDNS_MANIFEST, config)).map((doc) => doc.toJS());
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    assert.deepEqual(kinds, [
      'ServiceAccount/coredns',
      'ClusterRole/system:coredns',
      'ClusterRoleBinding/system:coredns',
      'ConfigMap/coredns',
      'Service/kube-dns',
      'Deployment/coredns',
    ]);
    assert.equal(objects[4].spec.clusterIP, '10.98.0.10');
    const corefile: string = objects[3].data.Corefile;
    assert.match(corefile, /kubernetes cluster\.local in-addr\.arpa ip6\.arpa/);
    assert.doesNotMatch(corefile, /forward|loop/);
    assert.equal(objects[5].spec.template.spec.dnsPolicy, 'Default');
    assert.equal(objects[5].spec.template.spec.containers[0].image, 'registry.k8s.io/coredns/coredns:v1.13.2');
  });

  it("carries the mesh's access log and stats matcher into istiod's values, with the real CA (no auth policy NONE)", async () => {
    const { readFile } = await import('node:fs/promises');
    const values = parse(await readFile(ISTIOD_VALUES, 'utf8'));
    assert.equal(values.meshConfig.accessLogEncoding, 'JSON');
    assert.equal(JSON.parse(values.meshConfig.accessLogFormat).upstream_peer_uri_san, '%UPSTREAM_PEER_URI_SAN%');
    assert.deepEqual(values.meshConfig.defaultConfig.proxyStatsMatcher.inclusionPrefixes, ['cluster.outbound|', 'cluster.inbound|']);
    assert.equal(values.meshConfig.defaultConfig.controlPlaneAuthPolicy, undefined);
    assert.equal(values.meshConfig.defaultConfig.discoveryAddress, undefined);
    assert.equal(values.autoscaleEnabled, false);
    assert.equal(values.cni.enabled, true);
  });
});
