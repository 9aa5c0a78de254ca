// Helpers for unit tests of any service: a config without env, and an undici MockAgent standing in for the downstream.
import { MockAgent, type MockPool } from 'undici';
import type { Chain, Hop } from './chain.ts';
import { loadConfig, type ServiceConfig, type ServiceDefinition } from './config.ts';

/** The config a process would load from an empty env, quiet, with a recognisable host name. */
export function testConfig(service: ServiceDefinition, env: Record<string, string> = {}): ServiceConfig {
  return loadConfig(service, { HOSTNAME: `${service.name}-v1-test`, LOG_LEVEL: 'silent', ...env });
}

export interface MockDownstream {
  readonly agent: MockAgent;
  /** Intercepts for the configured downstream origin. */
  readonly pool: MockPool;
}

export function mockDownstream(config: ServiceConfig): MockDownstream {
  if (!config.downstream) throw new Error(`${config.service.name} has no downstream`);
  const agent = new MockAgent();
  agent.disableNetConnect();
  return { agent, pool: agent.get(config.downstream.url) };
}

/** A downstream's JSON answer as our services send it. */
export function chainOf(...hops: Array<Partial<Hop> & Pick<Hop, 'service'>>): Chain {
  return {
    chain: hops.map((hop) => ({ version: 'v1', host: `${hop.service}-v1-pod`, hits: 1, shadow: false, status: 200, ...hop })),
  };
}

export const JSON_HEADERS = { 'content-type': 'application/json' };
