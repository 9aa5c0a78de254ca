// One docker-compose.yml stack under test: its project, its host ports moved to free ones, and what it leaves behind.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from '@mesh-demo/workspace';
import { type CommandResult, compose, docker, inspect } from './docker.ts';

export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

/** Every `${NAME:-port}` host port of docker-compose.yml, e.g. CUSTOMER_PORT -> 8080, read from the file itself. */
export const DEFAULT_PORTS: ReadonlyMap<string, number> = new Map(
  [...readFileSync(COMPOSE_FILE, 'utf8').matchAll(/\$\{([A-Z0-9_]+_PORT):-(\d+)\}/g)].map(([, name, port]) => [name!, Number(port)]),
);

export interface Stack {
  readonly project: string;
  /** Environment that moves every host port to a free one (never the defaults, which a developer may be using). */
  readonly env: Record<string, string>;
  readonly port: (name: string) => number;
  readonly url: (name: string, path?: string) => string;
  /** `docker compose --project-name <project> --file docker-compose.yml <args>`, with the stack's ports. */
  readonly compose: (args: readonly string[], extraEnv?: Record<string, string>) => Promise<CommandResult>;
}

/** Every host port of docker-compose.yml moved to a free one: the env that says so, and each port and URL by its name. */
export async function movedPorts(): Promise<Pick<Stack, 'env' | 'port' | 'url'>> {
  const env: Record<string, string> = {};
  for (const name of DEFAULT_PORTS.keys()) env[name] = String(await freePort());
  const port = (name: string) => {
    if (!(name in env)) throw new Error(`docker-compose.yml publishes no ${name}`);
    return Number(env[name]);
  };
  return { env, port, url: (name, path = '/') => `http://127.0.0.1:${port(name)}${path}` };
}

export async function stack(project: string): Promise<Stack> {
  const { env, port, url } = await movedPorts();
  return {
    project,
    env,
    port,
    url,
    compose: (args, extraEnv = {}) => compose(['--project-name', project, '--file', COMPOSE_FILE, ...args], { ...env, ...extraEnv }),
  };
}

const lines = (text: string) => text.split('\n').filter(Boolean);

/** Containers (running or not) and networks Compose labelled with this project, and volumes it labelled. */
export async function projectResources(project: string) {
  const label = `label=com.docker.compose.project=${project}`;
  const [containers, networks, volumes] = await Promise.all([
    docker(['ps', '--all', '--quiet', '--filter', label]),
    docker(['network', 'ls', '--quiet', '--filter', label]),
    docker(['volume', 'ls', '--quiet', '--filter', label]),
  ]);
  return { containers: lines(containers.stdout), networks: lines(networks.stdout), volumes: lines(volumes.stdout) };
}

/** Every volume of the engine: anonymous volumes (an image's VOLUME) carry no project label, so compare before/after. */
export async function engineVolumes(): Promise<Set<string>> {
  return new Set(lines((await docker(['volume', 'ls', '--quiet'])).stdout));
}

/** Service name -> container id of this project's containers. */
export async function serviceContainers(project: string): Promise<Record<string, string>> {
  const { stdout } = await docker([
    'ps',
    '--all',
    '--no-trunc',
    '--format',
    '{{.ID}} {{.Label "com.docker.compose.service"}}',
    '--filter',
    `label=com.docker.compose.project=${project}`,
  ]);
  return Object.fromEntries(lines(stdout).map((line) => line.split(' ').reverse()));
}

/** The container a service runs in, as its chain line names it (the container's hostname: its short id). */
export async function hostnameOf(project: string, service: string): Promise<string> {
  const id = (await serviceContainers(project))[service];
  if (!id) throw new Error(`no container of ${service} in ${project}`);
  return (await inspect(id)).Config.Hostname as string;
}
