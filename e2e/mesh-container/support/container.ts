// The mesh container under test: docker-compose.yml's mesh profile (plus CI's overrides), free host ports, raw commands.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { COMPOSE_FILE, movedPorts } from '../../images/support/compose-stack.ts';
import { COMPOSE, DOCKER } from '../../images/support/docker.ts';
import { type Exit, run } from '../../support/cli.ts';

/** The image docker-compose.yml's mesh service builds and runs. */
export const MESH_IMAGE = 'mesh-demo/mesh:dev';

/**
 * Compose files laid over docker-compose.yml, ':'-separated: CI names .ci/offline/mesh-ci.compose.yml, its stand-in
 * for what the machine lacks (see that file). Empty on a machine where `privileged: true` works as shipped.
 */
const OVERRIDES = (process.env.MESH_CONTAINER_COMPOSE_FILES ?? '').split(':').filter(Boolean);

/**
 * What `docker run` needs for the mesh, as the compose file gives it: `--privileged`, or what CI's override gives in
 * its place (MESH_CONTAINER_RUN_FLAGS, space-separated).
 */
export const RUN_FLAGS = (process.env.MESH_CONTAINER_RUN_FLAGS ?? '--privileged').split(' ').filter(Boolean);

/** A command's exit (e2e/support/cli.ts' `run`), and both streams as one for the refusals' messages. */
export interface Outcome extends Exit {
  readonly output: string;
}

/** Compose's `up --wait` and the e2e/mesh subset inside run for minutes; the test's own timeout is 20 min too. */
const COMMAND_TIMEOUT_MS = 20 * 60_000;

/** Runs a command to its end; never throws on a failure, which refusal tests read. */
export async function runCommand(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<Outcome> {
  const exit = await run(file, args, env, COMMAND_TIMEOUT_MS);
  return { ...exit, output: `${exit.stdout}${exit.stderr}` };
}

export const docker = (args: readonly string[], env?: Record<string, string>) => runCommand(DOCKER, args, env);

export interface MeshStack {
  readonly project: string;
  readonly env: Record<string, string>;
  /** The host port a compose variable (CUSTOMER_PORT, MESH_VIEW_PORT, ...) was moved to. */
  port(name: string): number;
  url(name: string, path?: string): string;
  /** `docker compose --project-name P --file docker-compose.yml [overrides] --profile mesh ARGS`. */
  compose(args: readonly string[], extraEnv?: Record<string, string>): Promise<Outcome>;
}

/**
 * A mesh stack on free host ports (never the defaults a developer may be using). `mounts` become one more compose
 * file, written to a temp dir: bind mounts into the mesh service (the e2e sources for the suite run inside).
 */
export async function meshStack(project: string, mounts: readonly string[] = []): Promise<MeshStack> {
  const { env, port, url } = await movedPorts();
  const files = [COMPOSE_FILE, ...OVERRIDES.map((file) => join(REPO_ROOT, file))];
  if (mounts.length) {
    const file = join(mkdtempSync(join(tmpdir(), 'mesh-container-e2e-')), 'mounts.compose.yml');
    writeFileSync(file, `services:\n  mesh:\n    volumes:\n${mounts.map((m) => `      - ${JSON.stringify(m)}\n`).join('')}`);
    files.push(file);
  }
  return {
    project,
    env,
    port,
    url,
    compose: (args, extraEnv = {}) =>
      runCommand(
        COMPOSE[0]!,
        [...COMPOSE.slice(1), '--project-name', project, ...files.flatMap((file) => ['--file', file]), '--profile', 'mesh', ...args],
        { ...env, ...extraEnv },
      ),
  };
}

/** Fails with the command's own last lines when it did not succeed. */
export function ok(outcome: Outcome, what: string): Outcome {
  if (outcome.code !== 0)
    throw new Error(`${what} failed (exit ${outcome.code}):\n${outcome.output.trim().split('\n').slice(-20).join('\n')}`);
  return outcome;
}

/** Lines that look like a JavaScript stack frame: never printed for a refusal. */
export const STACK_FRAME = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;
