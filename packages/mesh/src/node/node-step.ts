// The `node` step: the node agent and node-api (the kubelet's API), with the node's credential, once the API server is up.
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { kubectl } from '../cluster/admin-cli.ts';
import { runPaths } from '../cluster/config.ts';
import { nodeCredentials, untaintNode } from '../cluster/index.ts';
import { kubeProcess } from '../cluster/process-step.ts';
import { type ProcessStatus, SupervisedProcess } from '../cluster/processes.ts';
import type { StepContext } from '../cluster/step.ts';
import { KubeClient } from '../kube/client.ts';
import { NodeAgent } from './agent.ts';

/** What the API server's kubelet client may do on the node API: kubeadm binds this same role to it. */
const KUBELET_API_ADMIN = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kube-apiserver-kubelet-client
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kubelet-api-admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}
---
# The one thing the node agent reads that a kubelet does not: a namespace's UID range, which it stands in for OpenShift's
# SCC admission with (a pod that sets no runAsUser runs as the range's first UID, as restricted-v2 would assign).
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: mesh-demo:node-reads-namespaces
rules:
- {apiGroups: [""], resources: [namespaces], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: mesh-demo:node-reads-namespaces
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: mesh-demo:node-reads-namespaces}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:nodes}
`;

/** Healthy once something accepts connections on the port (node-api asks every client for a certificate, even here). */
function accepts(host: string, port: number): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const socket = connect({ host, port, timeout: 1000 }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
      socket.on('timeout', () => socket.destroy());
    });
}

export interface RunningNode {
  readonly agent: NodeAgent;
  processes(): ProcessStatus[];
  stop(): Promise<void>;
}

/**
 * node-api in the node's network namespace (on the Node's InternalIP, where the API server dials it, authorising each
 * call with a SubjectAccessReview as a kubelet does); the agent, which registers the Node and runs its pods; and the
 * not-ready taint taken off as soon as the Node reports Ready (the node lifecycle controller would, seconds later).
 */
export async function startNode(ctx: StepContext): Promise<RunningNode> {
  const { config, tools } = ctx;
  const credentials = nodeCredentials(config);
  const podsDir = runPaths(config).pods;
  await mkdir(podsDir, { recursive: true });
  await kubectl(ctx, ['apply', '-f', '-'], KUBELET_API_ADMIN);
  const api = new SupervisedProcess(
    kubeProcess(
      ctx,
      'node-api',
      [
        `--node-name=${config.nodeName}`,
        `--address=${config.nodeIP}`,
        `--port=${config.ports.kubelet}`,
        `--tls-cert-file=${credentials.servingCert}`,
        `--tls-private-key-file=${credentials.servingKey}`,
        `--client-ca-file=${credentials.ca}`,
        `--pods-dir=${podsDir}`,
        '--authorization-mode=Webhook',
        `--kubeconfig=${credentials.kubeconfig}`,
      ],
      accepts(config.nodeIP, config.ports.kubelet),
      { netns: config.nodeNetns },
    ),
  );
  const client = KubeClient.fromKubeconfig(credentials.kubeconfig);
  const agent = new NodeAgent({
    config,
    client,
    binaries: {
      node: process.execPath,
      envoy: tools.envoy,
      pilotAgent: tools.pilotAgent,
      pilotDiscovery: tools.pilotDiscovery,
      bootstrapTemplate: tools.bootstrapTemplate,
      coredns: tools.coredns,
    },
    cni: { plugin: tools.istioCni, runDir: join(config.runDir, 'cni'), kubeconfig: credentials.kubeconfig },
    podsDir,
    say: ctx.say,
  });
  await Promise.all([api.start(), agent.start()]);
  void untaintNode(config).catch((error: Error) => ctx.say(`node: ${error.message}`));
  return {
    agent,
    processes: () => [api.status()],
    async stop() {
      await agent.shutdown();
      await api.stop();
      await client.close();
    },
  };
}
