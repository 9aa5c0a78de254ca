// Runs the Docker and compose CLIs for the image tests, and the polling they need (always with a described timeout).
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@mesh-demo/devtools';

const run = promisify(execFile);

/** The Docker client; CI points it at Debian's client and its own engine (DOCKER, DOCKER_HOST). */
export const DOCKER = process.env.DOCKER ?? 'docker';
/** The compose command: `docker compose` (v2 plugin) by default, `docker-compose` where only v1 is installed. */
export const COMPOSE = (process.env.COMPOSE ?? `${DOCKER} compose`).split(' ').filter(Boolean);

/** The tag docker-compose.yml gives a service's image; the image tests build the same tags. */
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

export const compose = (args: readonly string[], env: Record<string, string>) =>
  command(COMPOSE[0]!, [...COMPOSE.slice(1), ...args], env);

/** `docker inspect` of one object, parsed. */
export async function inspect<T = Record<string, any>>(name: string): Promise<T> {
  const { stdout } = await docker(['inspect', name]);
  return (JSON.parse(stdout) as T[])[0]!;
}

/** A port free on 127.0.0.1 right now, for publishing a container port where tests can reach it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Call `probe` until it returns a value (not undefined); fail after `timeoutMs` saying what was awaited and last seen. */
export async function pollFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = 'not yet';
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`gave up after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
}

/** GET a URL on 127.0.0.1; the status and body text, or an error if nothing answered within 5 s. */
export async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, text: await response.text() };
}
