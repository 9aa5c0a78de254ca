// Removing the node.kubernetes.io/not-ready taint as soon as the Node is Ready, rather than after the node lifecycle controller's next pass.
import { setTimeout as sleep } from 'node:timers/promises';
import { MeshError } from '../errors.ts';
import { KubeClient, KubeError } from '../kube/client.ts';
import { pathOf } from '../kube/resources.ts';
import type { KubeObject } from '../kube.ts';
import { type ClusterConfig, runPaths } from './config.ts';

/** TaintNodesByCondition puts it on every new Node; only the node lifecycle controller removes it (every 5 s). */
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

export interface Taint {
  readonly key: string;
  readonly effect: string;
  readonly value?: string;
}

export interface NodeObject extends KubeObject {
  spec?: { taints?: Taint[] };
  status?: { conditions?: { type: string; status: string }[] };
}

export function nodeIsReady(node: NodeObject): boolean {
  return node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

/** The Node's taints without the not-ready one, or undefined when it has none to remove. */
export function taintsWithoutNotReady(node: NodeObject): Taint[] | undefined {
  const taints = node.spec?.taints ?? [];
  const kept = taints.filter((taint) => taint.key !== NOT_READY_TAINT);
  return kept.length === taints.length ? undefined : kept;
}

/**
 * Waits for the Node to report Ready, then removes the not-ready taint with the admin's credential (the node may not
 * change its own taints: NodeRestriction). Saves the ~4.5 s until the controller's pass; the controller stays on and
 * still marks the node NotReady when its agent goes silent. Resolves true if it removed the taint.
 */
export async function untaintNode(config: ClusterConfig, timeoutMs = 60_000): Promise<boolean> {
  const client = KubeClient.fromKubeconfig(runPaths(config).adminKubeconfig);
  const path = pathOf('Node', undefined, config.nodeName);
  try {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
      const node = await client.find<NodeObject>(path).catch(() => undefined);
      if (!node || !nodeIsReady(node)) continue;
      const taints = taintsWithoutNotReady(node);
      if (!taints) return false;
      try {
        // The resourceVersion makes it a compare-and-swap: a taint added meanwhile is not thrown away.
        await client.patch(path, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints } });
        return true;
      } catch (error) {
        if (!(error instanceof KubeError && error.status === 409)) throw error;
      }
    }
    throw new MeshError(`node ${config.nodeName} did not report Ready within ${timeoutMs / 1000} s`);
  } finally {
    await client.close();
  }
}
