// A stand-in for OpenShift Service Mesh 2's operator, not the operator: for each ServiceMeshMember, the part of its work the
// chart's ossm2 flavor relies on, done through the API. The member's namespace is labelled maistra.io/member-of=<control
// plane namespace>, which the Service Mesh 2 injector webhook selects (manifests/service-mesh-2-stand-in.yaml); the
// control plane it names gets the ingress gateway a ServiceMeshControlPlane deploys. The label goes with its member, the
// gateway with the control plane's last member; pods made before their namespace joined are restarted (lateJoiners).
// The control plane is the cluster's one istiod in istio-system, whatever name the member gives it; a member naming any
// other namespace is left unreconciled, as the operator leaves a member of a control plane that does not exist.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type KubeClient, KubeError } from '../kube/client.ts';
import { pathOf } from '../kube/resources.ts';
import type { Deployment, KubeObject, ObjectMeta } from '../kube.ts';
import { parseObjects } from '../render.ts';
import { GATEWAY_INSTALL_FILE, ISTIO_NAMESPACE } from './addons.ts';
import type { StepContext } from './step.ts';

/** The operator's label on a member namespace: the namespace of the control plane it belongs to. */
export const MEMBER_OF = 'maistra.io/member-of';
/** The operator's label on what it deploys for a control plane. */
export const OWNER = 'maistra.io/owner';
/** The service account a ServiceMeshControlPlane gives its ingress gateway (what flavor-ossm2.yaml names). */
export const SMCP_GATEWAY_SERVICE_ACCOUNT = 'istio-ingressgateway-service-account';
/** Ours in the gateway's managedFields, apart from the cluster steps' `mesh-demo`. */
const FIELD_MANAGER = 'service-mesh-2-stand-in';
const MEMBERS = '/apis/maistra.io/v1/servicemeshmembers';

export interface ServiceMeshMember extends KubeObject {
  spec?: { controlPlaneRef?: { name?: string; namespace?: string } };
  status?: { conditions?: MemberCondition[] };
}

interface MemberCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * The conditions the operator reports on a member: Reconciled and Ready, both True once its namespace is in the mesh
 * (what `oc wait servicemeshmember/default --for=condition=Ready` waits for), False with the reason otherwise.
 */
export function memberConditions(member: ServiceMeshMember): MemberCondition[] {
  const found = membership(member);
  if ('refused' in found) {
    return ['Reconciled', 'Ready'].map((type) => ({ type, status: 'False', reason: 'ErrorReconciling', message: found.refused }));
  }
  return [
    { type: 'Reconciled', status: 'True', reason: 'Reconciled', message: 'Successfully reconciled' },
    { type: 'Ready', status: 'True', reason: 'Reconciled', message: `namespace is a member of the control plane in ${found.controlPlane}` },
  ];
}

/** The merge patch of the member's status, or undefined when its conditions already say so (each write is watched). */
export function memberStatusPatch(member: ServiceMeshMember, now: Date): object | undefined {
  const wanted = memberConditions(member);
  const current = member.status?.conditions ?? [];
  const same = (a: MemberCondition, b: MemberCondition | undefined) =>
    b !== undefined && a.status === b.status && a.reason === b.reason && a.message === b.message;
  if (
    wanted.every((c) =>
      same(
        c,
        current.find((d) => d.type === c.type),
      ),
    )
  )
    return undefined;
  const at = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return { status: { conditions: wanted.map((c) => ({ ...c, lastTransitionTime: at })) } };
}

/** What the stand-in keeps in the cluster: each member namespace's control plane namespace, and the control planes' objects. */
export interface StandInState {
  readonly members: ReadonlyMap<string, string>;
  readonly objects: readonly KubeObject[];
}

export const NO_MEMBERS: StandInState = { members: new Map(), objects: [] };

/** The namespace of the member's control plane, or why the operator would not reconcile the member. */
function membership(member: ServiceMeshMember): { controlPlane: string } | { refused: string } {
  const ref = member.spec?.controlPlaneRef;
  // The operator's webhook admits one member per namespace, named default.
  if (member.metadata.name !== 'default') return { refused: 'a ServiceMeshMember must be named default' };
  if (ref?.namespace !== ISTIO_NAMESPACE)
    return { refused: `names the control plane ${ref?.namespace}/${ref?.name}; the only one here is istiod in ${ISTIO_NAMESPACE}` };
  if (member.metadata.namespace === ref.namespace) return { refused: "the control plane's own namespace cannot be a member" };
  return { controlPlane: ref.namespace };
}

/**
 * The ingress gateway of a ServiceMeshControlPlane (gateways.ingress, on by default) in its namespace: the Service
 * Mesh 3 gateway of install/ossm3 (`template`, its objects) without its Namespace, and under the SMCP's service account.
 */
export function smcpIngressGateway(template: readonly KubeObject[], namespace: string): KubeObject[] {
  const account = SMCP_GATEWAY_SERVICE_ACCOUNT;
  return template
    .filter(({ kind }) => kind !== 'Namespace')
    .map((original) => {
      const object = structuredClone(original) as KubeObject & { subjects?: { kind: string; name: string; namespace?: string }[] };
      object.metadata = { ...object.metadata, namespace, labels: { ...object.metadata.labels, [OWNER]: namespace } };
      if (object.kind === 'ServiceAccount') object.metadata.name = account;
      if (object.kind === 'Deployment') (object as Deployment).spec.template.spec.serviceAccountName = account;
      for (const subject of object.subjects ?? [])
        if (subject.kind === 'ServiceAccount') Object.assign(subject, { name: account, namespace });
      return object;
    });
}

/** What the members ask for, and one line for each member the operator would leave unreconciled. */
export function desiredState(members: readonly ServiceMeshMember[], template: readonly KubeObject[]) {
  const memberships = new Map<string, string>();
  const refused: string[] = [];
  for (const member of members) {
    const found = membership(member);
    if ('refused' in found) refused.push(`ServiceMeshMember ${member.metadata.namespace}/${member.metadata.name}: ${found.refused}`);
    else memberships.set(member.metadata.namespace ?? '', found.controlPlane);
  }
  const controlPlanes = [...new Set(memberships.values())].sort();
  const state: StandInState = { members: memberships, objects: controlPlanes.flatMap((ns) => smcpIngressGateway(template, ns)) };
  return { state, refused };
}

export interface StandInChanges {
  /** Member labels to set (a control plane namespace) or take off (null). */
  readonly labels: readonly { readonly namespace: string; readonly controlPlane: string | null }[];
  readonly apply: readonly KubeObject[];
  readonly remove: readonly KubeObject[];
  /** Namespaces that have just become members: their pods created before are restarted (see restartLateJoiners). */
  readonly joined: readonly string[];
}

const objectKey = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;

/** From what the stand-in made last to what the members ask for now. */
export function changes(previous: StandInState, next: StandInState): StandInChanges {
  const labels: { namespace: string; controlPlane: string | null }[] = [];
  for (const [namespace, controlPlane] of next.members)
    if (previous.members.get(namespace) !== controlPlane) labels.push({ namespace, controlPlane });
  for (const namespace of previous.members.keys()) if (!next.members.has(namespace)) labels.push({ namespace, controlPlane: null });
  const before = new Set(previous.objects.map(objectKey));
  const after = new Set(next.objects.map(objectKey));
  return {
    labels,
    apply: next.objects.filter((o) => !before.has(objectKey(o))),
    remove: previous.objects.filter((o) => !after.has(objectKey(o))),
    joined: labels.flatMap(({ namespace, controlPlane }) => (controlPlane === null ? [] : [namespace])),
  };
}

interface PodMeta extends ObjectMeta {
  ownerReferences?: readonly { controller?: boolean }[];
  deletionTimestamp?: string;
}

/**
 * The pods of a new member namespace the injector would take now but did not see: annotated for injection, without the
 * label stock istiod's webhooks decide on, not injected, and recreated by their controller when deleted. Helm applies
 * custom kinds last, so the chart's ServiceMeshMember lands after its Deployments, and their first pods can be created
 * before the namespace is labelled; on OpenShift they would run without a proxy until restarted, here they are restarted.
 */
export function lateJoiners<T extends { metadata: PodMeta }>(pods: readonly T[]): T[] {
  return pods.filter(({ metadata }) => {
    const annotations = metadata.annotations ?? {};
    return (
      annotations['sidecar.istio.io/inject'] === 'true' &&
      metadata.labels?.['sidecar.istio.io/inject'] === undefined &&
      annotations['sidecar.istio.io/status'] === undefined &&
      metadata.deletionTimestamp === undefined &&
      (metadata.ownerReferences ?? []).some((owner) => owner.controller)
    );
  });
}

/** The API path of one object of the kinds the stand-in writes (their plurals are the kind's, lower case, plus s). */
function objectPath(object: KubeObject): string {
  const root = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const scope = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `${root}${scope}/${object.kind.toLowerCase()}s/${object.metadata.name}`;
}

/** A 404 is what a removal wants: the object (or its namespace) is already gone. */
const unlessGone = (error: unknown) => {
  if (!(error instanceof KubeError && error.status === 404)) throw error;
};

async function applyChanges(admin: KubeClient, change: StandInChanges, say: (line: string) => void): Promise<void> {
  for (const { namespace, controlPlane } of change.labels)
    await admin.patch(pathOf('Namespace', undefined, namespace), { metadata: { labels: { [MEMBER_OF]: controlPlane } } }).catch(unlessGone);
  for (const object of change.apply) await admin.apply(objectPath(object), object, FIELD_MANAGER);
  for (const object of change.remove) await admin.delete(objectPath(object), { propagationPolicy: 'Background' }).catch(unlessGone);
  for (const namespace of change.joined) await restartLateJoiners(admin, namespace, say);
}

async function restartLateJoiners(admin: KubeClient, namespace: string, say: (line: string) => void): Promise<void> {
  const late = async () => lateJoiners((await admin.list(pathOf('Pod', namespace))).items);
  if (!(await late()).length) return;
  // The API server's webhooks read namespaces from a cache: a moment for the new label to reach it, or the pods made
  // in place of these could miss it too.
  await sleep(1000);
  const pods = await late();
  for (const pod of pods) await admin.delete(pathOf('Pod', namespace, pod.metadata.name)).catch(unlessGone);
  if (pods.length) say(`service mesh 2: restarted ${pods.length} pod(s) of ${namespace} created before it became a member`);
}

export interface SmcpStandIn {
  stop(): Promise<void>;
}

/** Watches ServiceMeshMembers and reconciles on every change, one pass at a time, until stopped. */
export function startSmcpStandIn(admin: KubeClient, ctx: Pick<StepContext, 'say'>): SmcpStandIn {
  const stopped = new AbortController();
  const template = readFile(GATEWAY_INSTALL_FILE, 'utf8').then(parseObjects);
  // Handled where it is awaited (each pass says why it failed); unhandled until then, it would stop the supervisor.
  template.catch(() => {});
  const told = new Set<string>();
  let state = NO_MEMBERS;
  let queued = false;
  let passes: Promise<void> = Promise.resolve();
  const reconcile = async () => {
    const members = await admin.list<ServiceMeshMember>(MEMBERS);
    const desired = desiredState(members.items, await template);
    for (const line of desired.refused.filter((line) => !told.has(line))) {
      told.add(line);
      ctx.say(`service mesh 2: ${line}`);
    }
    await applyChanges(admin, changes(state, desired.state), ctx.say);
    state = desired.state;
    for (const member of members.items) {
      const patch = memberStatusPatch(member, new Date());
      const { namespace, name } = member.metadata;
      if (patch)
        await admin.patch(`/apis/maistra.io/v1/namespaces/${namespace}/servicemeshmembers/${name}/status`, patch).catch(unlessGone);
    }
  };
  const schedule = () => {
    // One pass covers every event before it: a burst (the first list, a helm release) is one pass.
    if (queued || stopped.signal.aborted) return;
    queued = true;
    passes = passes.then(() => {
      queued = false;
      return reconcile().catch((error: Error) => {
        ctx.say(`service mesh 2: ${error.message} (trying again in 2 s)`);
        setTimeout(schedule, 2000).unref();
      });
    });
  };
  void admin.watch<ServiceMeshMember>(MEMBERS, schedule, stopped.signal);
  return {
    async stop() {
      stopped.abort();
      await passes;
    },
  };
}
