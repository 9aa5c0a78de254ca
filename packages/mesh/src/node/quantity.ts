// Kubernetes resource quantities ("100m", "128Mi") and what resourceFieldRef reads: a limit, else the node's allocatable.
import type { ContainerSpec } from './pod-types.ts';

/** The node's allocatable CPU (cores) and memory (bytes): what a container without a limit may use. */
export interface Allocatable {
  readonly cpu: number;
  readonly memory: number;
}

const SUFFIXES: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A quantity's value in its base unit (cores, bytes): "250m" is 0.25, "1Gi" is 1073741824. */
export function parseQuantity(text: string): number {
  const match = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(text.trim());
  if (!match) throw new Error(`not a resource quantity: "${text}"`);
  return Number(match[1]) * SUFFIXES[match[2] ?? '']!;
}

/**
 * What a resourceFieldRef resolves to, as the kubelet computes it: the container's limit (or, for `limits.*` without
 * one, the node's allocatable), divided by the divisor (default 1) and rounded up to a whole number.
 */
export function resourceValue(
  ref: { readonly resource: string; readonly divisor?: string },
  container: ContainerSpec,
  allocatable: Allocatable,
): string {
  const [kind, resource] = ref.resource.split('.') as ['limits' | 'requests', string];
  const given = container.resources?.[kind]?.[resource];
  let value: number;
  if (given !== undefined) value = parseQuantity(given);
  else if (kind === 'requests') value = 0;
  else if (resource === 'cpu') value = allocatable.cpu;
  else if (resource === 'memory') value = allocatable.memory;
  else value = 0;
  const divisor = ref.divisor ? parseQuantity(ref.divisor) : 1;
  return String(Math.ceil(value / divisor));
}
