// Runs the Docker and compose CLIs for the image tests (polling, ports and GETs come from the shared e2e support).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@mesh-demo/workspace';

const run = promisify(execFile);

/** The Docker client; CI points it at Debian's client and its own engine (DOCKER, DOCKER_HOST). */
export const DOCKER = process.env.DOCKER ?? 'docker';
/** The compose command: `docker compose` (the Compose v2 plugin; CI's is built from its Go module), or what COMPOSE says. */
export const COMPOSE = (process.env.COMPOSE ?? `${DOCKER} compose`).split(' ').filter(Boolean);

/** The tag docker-compose.yml gives a service's v1 image (v2's is `:dev-v2`); the image tests build the same tags. */
export const imageOf = (service: string) => `mesh-demo/${service}:dev`;

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

async function command(file: string, args: readonly string[], env?: Record<string, string>): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout: stdout.toString(), stderr: stderr.toString() };
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    const tail = `${stdout ?? ''}${stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${file} ${args.join(' ')} failed:\n${tail}`);
  }
}

export const docker = (args: readonly string[]) => command(DOCKER, args);

export const compose = (args: readonly string[], env: Record<string, string>) => command(COMPOSE[0]!, [...COMPOSE.slice(1), ...args], env);

/** `docker inspect` of one object, parsed. */
// Why any: inspect's JSON differs per object kind (image, container); each caller reads a few fields and asserts them.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function inspect<T = Record<string, any>>(name: string): Promise<T> {
  const { stdout } = await docker(['inspect', name]);
  return (JSON.parse(stdout) as T[])[0]!;
}
