// The local mesh's address plan: one bridge for every pod, the host and istiod on it, Service VIPs outside it.

import { ipToNumber } from './cluster/network.ts';

/** Pods, istiod and the host share this subnet on one bridge (kept in its own network namespace). */
export const POD_SUBNET = '10.244.0.0/16';
export const POD_PREFIX_LENGTH = 16;
/** The host's leg on the bridge: the edge reaches the gateway, and probes reach pods, from here. */
export const HOST_IP = '10.244.0.1';
export const ISTIOD_IP = '10.244.0.2';
/**
 * resolv.conf's nameserver: local-istiod plays kube-dns too (Service names, NXDOMAIN for the rest). Apps rarely reach
 * it: the sidecar's DNS proxy answers mesh names itself and asks here only for the names it does not know.
 */
export const CLUSTER_DNS_IP = ISTIOD_IP;

const POD_BASE = ipToNumber('10.244.1.0');
const POD_LAST = ipToNumber('10.244.255.254');
const SERVICE_BASE = ipToNumber('10.96.1.0');
const SERVICE_LAST = ipToNumber('10.96.255.254');

export function numberToIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** Hands out addresses from a range, never one in use, starting after the last one given (like Kubernetes' IPAM). */
export class AddressPool {
  private next: number;
  private readonly first: number;
  private readonly last: number;

  constructor(first: number, last: number) {
    this.first = first;
    this.last = last;
    this.next = first;
  }

  allocate(inUse: ReadonlySet<string>): string {
    const size = this.last - this.first + 1;
    for (let tried = 0; tried < size; tried++) {
      const candidate = this.next;
      this.next = candidate >= this.last ? this.first : candidate + 1;
      // .0 and .255 are skipped so no address looks like a network or broadcast address to a reader.
      const low = candidate & 255;
      if (low === 0 || low === 255) continue;
      const ip = numberToIp(candidate);
      if (!inUse.has(ip)) return ip;
    }
    throw new Error(`address range ${numberToIp(this.first)}-${numberToIp(this.last)} is exhausted`);
  }
}

export const podAddresses = (): AddressPool => new AddressPool(POD_BASE, POD_LAST);
export const serviceAddresses = (): AddressPool => new AddressPool(SERVICE_BASE, SERVICE_LAST);
