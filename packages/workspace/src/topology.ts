// The local topology: the four services (from their own definitions), their ports and where each finds its downstream, without a mesh.
import { definition as customer } from '@mesh-demo/customer/definition';
import { definition as partner } from '@mesh-demo/partner/definition';
import { definition as preference } from '@mesh-demo/preference/definition';
import { definition as recommendation } from '@mesh-demo/recommendation/definition';

/**
 * The four services as their own code defines them (name, edge, downstream): the one home of the topology. Plain data
 * files, so reading them loads no Fastify. A downstream that names no service here fails the typecheck.
 */
export const DEFINITIONS = [customer, partner, preference, recommendation] as const;
export type ServiceName = (typeof DEFINITIONS)[number]['name'];

export const SERVICES: readonly ServiceName[] = DEFINITIONS.map((d) => d.name);

const DOWNSTREAM = new Map<ServiceName, ServiceName | undefined>(
  DEFINITIONS.map((d) => [d.name, 'downstream' in d ? d.downstream : undefined]),
);

/** The README's port table: public 8080-8083, management 9080-9083; `base` shifts both (tests use free ranges). */
export const LOCAL_PORTS: Record<ServiceName, number> = { customer: 8080, partner: 8081, preference: 8082, recommendation: 8083 };

export interface Instance {
  readonly name: ServiceName;
  readonly version: string;
  readonly port: number;
  readonly managementPort: number;
}

export function downstreamOf(name: ServiceName): ServiceName | undefined {
  return DOWNSTREAM.get(name);
}

export function isServiceName(value: string): value is ServiceName {
  return (SERVICES as readonly string[]).includes(value);
}

/** The four v1 instances, public ports from `base` (8080) and management ports 1000 above. */
export function defaultInstances(base = 8080): Instance[] {
  return SERVICES.map((name) => {
    const port = base + (LOCAL_PORTS[name] - 8080);
    return { name, version: 'v1', port, managementPort: port + 1000 };
  });
}

/** Env that wires one instance to the others on 127.0.0.1. */
export function localEnv(instance: Instance, all: readonly Instance[]): Record<string, string> {
  const env: Record<string, string> = {
    VERSION: instance.version,
    HOST: '127.0.0.1',
    PORT: String(instance.port),
    MANAGEMENT_PORT: String(instance.managementPort),
    HOSTNAME: `${instance.name}-${instance.version}-local`,
    SHUTDOWN_DELAY_MS: '0',
    OTEL_SERVICE_NAME: instance.name,
  };
  const downstream = downstreamOf(instance.name);
  if (downstream) {
    // The first instance of the downstream wins: without a mesh there is no load balancing between versions.
    const target = all.find((i) => i.name === downstream);
    if (target) env[`${downstream.toUpperCase()}_URL`] = `http://127.0.0.1:${target.port}`;
  }
  return env;
}
