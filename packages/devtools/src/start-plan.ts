// What `./pnpmw start` finds on the README's ports before it starts anything: all free, the chain already running, or taken.
import { type Instance, portIsFree } from '@mesh-demo/workspace';

export type PortsState =
  | { readonly kind: 'free' }
  /** Every instance's two ports answer as a mesh-demo service: an earlier `start` (or a compose stack like it). */
  | { readonly kind: 'running' }
  /** Some ports are taken, and not all of them by our services: starting would fail on them. */
  | { readonly kind: 'taken'; readonly ports: readonly number[] };

export interface PortProbe {
  isFree(port: number): Promise<boolean>;
  /** Whether the instance's public and management ports answer as one of our services. */
  answersAsService(instance: Instance): Promise<boolean>;
}

async function answers(url: string, check: (body: string) => boolean): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.status === 200 && check(await response.text());
  } catch {
    return false;
  }
}

const realProbe: PortProbe = {
  isFree: portIsFree,
  // Neither request counts as a hit: the README's curls after a `start --with` still show 1, 2, 3.
  answersAsService: async (instance) =>
    (await answers(`http://127.0.0.1:${instance.managementPort}/metrics`, (body) =>
      body.includes('# TYPE mesh_demo_hits_total counter'),
    )) && (await answers(`http://127.0.0.1:${instance.port}/health/live`, (body) => body.includes('"UP"'))),
};

export async function portsState(instances: readonly Instance[], probe: PortProbe = realProbe): Promise<PortsState> {
  const ports = instances.flatMap((i) => [i.port, i.managementPort]);
  const free = await Promise.all(ports.map((port) => probe.isFree(port)));
  const taken = ports.filter((_, index) => !free[index]);
  if (taken.length === 0) return { kind: 'free' };
  if (taken.length === ports.length && (await Promise.all(instances.map((i) => probe.answersAsService(i)))).every(Boolean)) {
    return { kind: 'running' };
  }
  return { kind: 'taken', ports: taken };
}

/** `count` pairs of free ports (public, management = public + 1000) from `from` on, skipping pairs that are taken. */
export async function freePairs(
  count: number,
  probe: Pick<PortProbe, 'isFree'> = realProbe,
  from = 8084,
  last = 8099,
): Promise<Array<[number, number]>> {
  const pairs: Array<[number, number]> = [];
  for (let port = from; port <= last && pairs.length < count; port++) {
    if ((await probe.isFree(port)) && (await probe.isFree(port + 1000))) pairs.push([port, port + 1000]);
  }
  if (pairs.length < count)
    throw new Error(
      `only ${pairs.length} of the ${count} port pairs wanted are free in ${from}-${last} (and ${from + 1000}-${last + 1000})`,
    );
  return pairs;
}
