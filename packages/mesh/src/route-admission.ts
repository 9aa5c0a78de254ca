// What OpenShift's router writes back on each Route: whether it admitted it (status.ingress), so `oc get route` shows
// the host and Admitted as on a cluster, and a Route the local edge cannot serve says why instead of staying silent.
import { LOCAL_PORTS } from '@mesh-demo/workspace';
import type { EdgeRoute } from './edge.ts';
import type { Route } from './kube.ts';

/** The router's name in status.ingress (OpenShift's default IngressController is `default`). */
export const ROUTER_NAME = 'default';

export interface Admission {
  readonly admitted: boolean;
  /** Why not, in the words `oc describe route` shows (reason and message of the Admitted condition). */
  readonly reason?: string;
  readonly message?: string;
}

/** Whether the edge serves this Route: it serves one Route per app it has a local port for, the oldest one. */
export function admissionOf(route: Route, served: readonly EdgeRoute[]): Admission {
  if (served.some((edge) => edge.namespace === route.metadata.namespace && edge.name === route.metadata.name)) return { admitted: true };
  const app = route.metadata.labels?.app ?? route.metadata.name;
  const port = (LOCAL_PORTS as Record<string, number | undefined>)[app];
  if (port === undefined) {
    return {
      admitted: false,
      reason: 'NoLocalPort',
      message: `the local edge serves the apps ${Object.keys(LOCAL_PORTS).join(', ')} (label app=${app} is none of them)`,
    };
  }
  const holder = served.find((edge) => edge.localPort === port);
  return {
    admitted: false,
    reason: 'HostAlreadyClaimed',
    message: `127.0.0.1:${port} already serves ${holder ? `route ${holder.name} (${holder.host})` : 'another route'}, the older one`,
  };
}

interface IngressStatus {
  host?: string;
  routerName?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

/** Whether the Route's status already says this (so a status write, seen again by the watch, does not write again). */
export function statusSays(route: Route, admission: Admission): boolean {
  const ingress = ((route.status as { ingress?: IngressStatus[] } | undefined)?.ingress ?? []).find((i) => i.routerName === ROUTER_NAME);
  const condition = ingress?.conditions?.find((c) => c.type === 'Admitted');
  return (
    ingress?.host === route.spec.host &&
    condition?.status === (admission.admitted ? 'True' : 'False') &&
    condition.reason === admission.reason &&
    condition.message === admission.message
  );
}

/** The merge patch of the status subresource that records the admission, as the router writes it. */
export function admissionPatch(route: Route, admission: Admission, now: Date): object {
  return {
    status: {
      ingress: [
        {
          host: route.spec.host,
          routerName: ROUTER_NAME,
          wildcardPolicy: 'None',
          conditions: [
            {
              type: 'Admitted',
              status: admission.admitted ? 'True' : 'False',
              lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
              ...(admission.reason && { reason: admission.reason }),
              ...(admission.message && { message: admission.message }),
            },
          ],
        },
      ],
    },
  };
}
