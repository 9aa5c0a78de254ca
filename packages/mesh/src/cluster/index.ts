// The local cluster: its steps in order (in parallel where safe), timed; stopped in reverse; and what the node agent needs.
import { rm } from 'node:fs/promises';
import {
  dnsStep,
  type GatewayOptions,
  gatewayApiStep,
  gatewayStep,
  istioStep,
  openshiftApisStep,
  routesCrdStep,
  serviceMesh2Step,
} from './addons.ts';
import { apiServerStep } from './apiserver.ts';
import { type ClusterConfig, runPaths } from './config.ts';
import { controllersStep } from './controllers.ts';
import { etcdStep } from './etcd.ts';
import { kubeProxyStep } from './kube-proxy.ts';
import { networkStep, teardownNetwork } from './network.ts';
import { ensurePki, type PkiResult } from './pki.ts';
import { pkiFiles } from './pki-plan.ts';
import { pidDir } from './process-step.ts';
import { stopRecorded } from './recorded-pids.ts';
import { type PlannedStep, runSteps, type StepTiming } from './run-steps.ts';
import { type ClusterStep, defineStep, type StepContext, type StepStatus } from './step.ts';
import { tracesStep, traceUiStep } from './traces.ts';

export { istiodServing } from './addons.ts';
export type { ClusterConfig } from './config.ts';
export { defaultClusterConfig, runPaths } from './config.ts';
export { joinBridge } from './network.ts';
export { NOT_READY_TAINT, untaintNode } from './node-taint.ts';
export type { ProcessStatus } from './processes.ts';
export type { StepTiming } from './run-steps.ts';
export { type SmcpStandIn, startSmcpStandIn } from './smcp-stand-in.ts';
export type { ClusterStep, StepContext, StepStatus } from './step.ts';

export interface StartOptions extends GatewayOptions {
  /** Called as each step becomes ready: the supervisor starts the node agent as soon as `apiserver` is. */
  readonly onStepReady?: (timing: StepTiming) => void;
}

export interface RunningCluster {
  /** Each step's start and duration, in the order they became ready. */
  readonly timings: readonly StepTiming[];
  readonly totalSeconds: number;
  /** Whether the PKI was made or kept, and how long that took. */
  readonly pki: PkiResult;
  /** For `mesh status`: every step, with its processes' pid, state and restarts. */
  status(): StepStatus[];
  /** Stops every step, last started first, then removes what is left (see stopCluster). */
  stop(): Promise<void>;
}

function pkiStep(onResult: (result: PkiResult) => void): ClusterStep {
  return defineStep('pki', {
    async start(ctx) {
      const result = await ensurePki(ctx.config);
      onResult(result);
      ctx.say(result.reused ? 'pki: kept the certificates of the last run' : 'pki: made the certificates');
    },
  });
}

/**
 * The order (kind's create actions, kubeadm's phases): the network, PKI and etcd need nothing; the API server binds to
 * the host's leg and reads the PKI; everything else talks to the API server. The add-ons need no node (their pods wait
 * to be scheduled), but the gateway comes after Istio: its pods must meet the injector. The platform's APIs (OpenShift's,
 * the Gateway API's, Service Mesh 2's) are there before the chart's steps. istiod does not wait for the Gateway API's:
 * it watches for CRDs and starts its Gateway API controllers when they are served (as on a cluster that adds them
 * later), which lets it start about 2.5 s sooner.
 */
export function clusterPlan(options: StartOptions, onPki: (result: PkiResult) => void): PlannedStep[] {
  return [
    { step: networkStep(), after: [] },
    { step: pkiStep(onPki), after: [] },
    { step: etcdStep(), after: [] },
    { step: apiServerStep(), after: ['network', 'pki', 'etcd'] },
    { step: controllersStep(), after: ['apiserver'] },
    { step: kubeProxyStep(), after: ['apiserver'] },
    { step: routesCrdStep(), after: ['apiserver'] },
    { step: openshiftApisStep(), after: ['apiserver'] },
    { step: gatewayApiStep(), after: ['apiserver'] },
    { step: serviceMesh2Step(), after: ['apiserver'] },
    { step: dnsStep(), after: ['apiserver'] },
    { step: istioStep(), after: ['apiserver'] },
    { step: gatewayStep(options), after: ['istio'] },
    { step: tracesStep(), after: ['network'] },
    { step: traceUiStep(), after: ['gateway'] },
  ];
}

/** Brings the cluster up (without the node agent and the edge: the supervisor runs those) and returns its handle. */
export async function startCluster(ctx: StepContext, options: StartOptions = {}): Promise<RunningCluster> {
  let pki: PkiResult = { reused: false, seconds: 0 };
  const plan = clusterPlan(options, (result) => {
    pki = result;
  });
  const began = performance.now();
  const timings = await runSteps(plan, ctx, (timing) => {
    ctx.say(`${timing.name} ready in ${timing.seconds.toFixed(2)} s`);
    options.onStepReady?.(timing);
  });
  const totalSeconds = (performance.now() - began) / 1000;
  const steps = plan.map(({ step }) => step);
  return {
    timings,
    totalSeconds,
    pki,
    status: () => steps.map((step) => step.status()),
    async stop() {
      for (const step of [...steps].reverse()) await step.stop().catch(() => {});
      await stopCluster(ctx.config);
    },
  };
}

/**
 * Removes whatever a cluster of this config left, whether it was stopped or crashed: its recorded processes (the node's
 * first, etcd last), its network namespaces, link and routes, and etcd's data. The PKI and logs stay.
 */
export async function stopCluster(config: ClusterConfig): Promise<void> {
  const pids = pidDir(config);
  await stopRecorded(pids, ['kube-proxy', 'kube-controller-manager', 'kube-scheduler']);
  await stopRecorded(pids, ['kube-apiserver']);
  await stopRecorded(pids);
  await teardownNetwork(config);
  await rm(runPaths(config).etcdData, { recursive: true, force: true });
}

/** What the node agent runs with: its kubeconfig (system:node:<name>), the CA, and the node API's serving pair. */
export function nodeCredentials(config: ClusterConfig) {
  const pki = pkiFiles(config);
  return {
    kubeconfig: runPaths(config).kubeconfig('node'),
    ca: pki.ca.cert,
    clientCert: pki.pair('node').cert,
    clientKey: pki.pair('node').key,
    servingCert: pki.pair('node-serving').cert,
    servingKey: pki.pair('node-serving').key,
  } as const;
}
