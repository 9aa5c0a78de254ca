// A running, ready sidecar pod as `mesh status` reports it: the one shape the tests of status, logs and view start from.
import type { PodStatus } from '../src/control.ts';

export function podStatus(name: string, labels: Record<string, string>, overrides: Partial<PodStatus> = {}): PodStatus {
  return {
    namespace: 'mesh-demo',
    name,
    workload: `${labels.app ?? name}-${labels.version ?? 'v1'}`,
    ip: '10.244.1.2',
    netns: `meshdemo-${name}`,
    proxy: 'sidecar',
    phase: 'Running',
    ready: true,
    restarts: 0,
    service: labels.app ?? null,
    labels,
    ...overrides,
  };
}
