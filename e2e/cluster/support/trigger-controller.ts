// OpenShift's image trigger controller, as far as Deployments go: on a new image in a tag, it writes the image named by the annotation.
import { createHash } from 'node:crypto';
import type { KubeClient, KubeObject } from '@mesh-demo/mesh';
import { deploymentPath } from './server-side-apply.ts';

/**
 * Its field manager. openshift-controller-manager's podSpecUpdater (pkg/cmd/controller/image.go) is a plain Update of
 * the Deployment with no fieldManager, so the API server names the manager after the client's user agent: presumably
 * its program's name. The name matters here only as the other side of the conflict.
 */
export const TRIGGER_CONTROLLER = 'openshift-controller-manager';

/** Where a build of `<stream>:<tag>` lands: the internal registry's repository of the stream, by digest. */
export function builtImage(namespace: string, stream: string, build: number): string {
  const digest = createHash('sha256').update(`${namespace}/${stream} build ${build}`).digest('hex');
  return `image-registry.openshift-image-registry.svc:5000/${namespace}/${stream}@sha256:${digest}`;
}

interface Trigger {
  readonly from: { readonly kind: string; readonly name: string };
  readonly fieldPath: string;
  readonly paused?: boolean;
}

interface Container {
  readonly name: string;
  image: string;
}

/**
 * What the controller does once build number `build` lands in every tag (openshift-controller-manager's annotation
 * reactor, library-go's UpdateObjectFromImages): for each Deployment of the namespace whose `image.openshift.io/triggers`
 * annotation names an ImageStreamTag, set the container its fieldPath selects to the tag's image, and update the
 * Deployment (a PUT, not an apply) when that changed it. Returns the Deployments it updated; one without the annotation
 * is never touched.
 */
export async function imagesLanded(client: KubeClient, namespace: string, build: number): Promise<string[]> {
  const { items } = await client.list<KubeObject>(deploymentPath(namespace));
  const updated: string[] = [];
  for (const deployment of items) {
    const annotation = deployment.metadata.annotations?.['image.openshift.io/triggers'];
    if (!annotation) continue;
    const containers = (deployment.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;
    let changed = false;
    for (const trigger of JSON.parse(annotation) as Trigger[]) {
      if (trigger.paused || trigger.from.kind !== 'ImageStreamTag') continue;
      const selected = /^spec\.template\.spec\.containers\[\?\(@\.name=="([^"]+)"\)\]\.image$/.exec(trigger.fieldPath)?.[1];
      const container = containers.find((c) => c.name === selected);
      const image = builtImage(namespace, trigger.from.name.split(':')[0]!, build);
      if (container && container.image !== image) {
        container.image = image;
        changed = true;
      }
    }
    if (!changed) continue;
    const path = `${deploymentPath(namespace, deployment.metadata.name)}?fieldManager=${TRIGGER_CONTROLLER}`;
    await client.call('PUT', path, deployment);
    updated.push(deployment.metadata.name);
  }
  return updated;
}
