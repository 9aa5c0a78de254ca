// `./pnpmw images push`: builds the four images from the one Dockerfile, pushes them, prints each with its registry digest.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_DIR, REPO_ROOT, SERVICES } from '@mesh-demo/workspace';
import {
  appVersionOf,
  digestFromDockerPush,
  digestFromFile,
  digestRef,
  type EngineName,
  imageRef,
  isLoopbackRegistry,
  type PushOptions,
} from './image-refs.ts';

/** Something went wrong while building or pushing: one line for the user, exit 1. */
export class ImagesError extends Error {}

const CHART = join(CHART_DIR, 'Chart.yaml');
// Engine output kept for an error report; a cold build prints a lot, and only its end says what failed.
const KEEP_OUTPUT = 1024 * 1024;
const BUILD_TAIL_LINES = 15;

interface Engine {
  readonly name: EngineName;
  readonly command: string;
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly missing: boolean;
}

const log = (line: string) => console.error(`images: ${line}`);
const seconds = (since: number) => `${Math.round((performance.now() - since) / 1000)} s`;

function run(command: string, args: readonly string[], timeoutMs?: number): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...(timeoutMs && { timeout: timeoutMs }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString()).slice(-KEEP_OUTPUT)));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-KEEP_OUTPUT)));
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ code: null, stdout, stderr: error.message, missing: error.code === 'ENOENT' }),
    );
    child.on('close', (code) => resolve({ code, stdout, stderr, missing: false }));
  });
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter(Boolean);

/** Why an engine cannot be used, or undefined when `<engine> info` answers (its daemon or storage is reachable). */
async function unusable(engine: Engine): Promise<string | undefined> {
  const result = await run(engine.command, ['info'], 30_000);
  if (result.missing) return `${engine.command} is not installed`;
  if (result.code === 0) return undefined;
  // Docker 20.10 prints the daemon's error under "Server:" on stdout and a vaguer line on stderr; prefer the former.
  const said = lines(`${result.stdout}\n${result.stderr}`).map((line) => line.trim());
  const reason = (said.find((line) => /^ERROR:/.test(line)) ?? lines(result.stderr)[0] ?? `exit ${result.code}`).replace(
    /^(ERROR|Error):\s*/,
    '',
  );
  return `${engine.command} info failed: ${reason}`;
}

/** The engine --engine names; else docker if it answers (DOCKER is its client, DOCKER_HOST its daemon); else podman. */
async function pickEngine(requested: EngineName | undefined): Promise<Engine> {
  const engine = (name: EngineName): Engine => ({ name, command: name === 'docker' ? process.env.DOCKER || 'docker' : 'podman' });
  if (requested) {
    const why = await unusable(engine(requested));
    if (why) throw new ImagesError(`--engine ${requested}: ${why}`);
    return engine(requested);
  }
  const reasons: string[] = [];
  for (const name of ['docker', 'podman'] as const) {
    const why = await unusable(engine(name));
    if (!why) return engine(name);
    reasons.push(why);
  }
  throw new ImagesError(`no container engine answers (${reasons.join('; ')})`);
}

export function defaultTag(): string {
  const version = appVersionOf(readFileSync(CHART, 'utf8'));
  if (!version) throw new ImagesError(`no appVersion in ${CHART}; pass --tag`);
  return version;
}

async function build(engine: Engine, service: string, ref: string, tag: string): Promise<void> {
  const args = ['build', '--build-arg', `SERVICE=${service}`];
  if (process.env.BASE_IMAGE) args.push('--build-arg', `BASE_IMAGE=${process.env.BASE_IMAGE}`);
  // The image says which release it belongs to (docker inspect); it also makes each tag's image its own, not one
  // shared with an untagged local build of the same sources.
  args.push('--label', `org.opencontainers.image.version=${tag}`, '--file', join(REPO_ROOT, 'Dockerfile'), '--tag', ref, REPO_ROOT);
  const result = await run(engine.command, args);
  if (result.code === 0) return;
  // A failed build's reason is a few lines above its last one ("returned a non-zero code"), so show its end.
  for (const line of lines(`${result.stdout}\n${result.stderr}`).slice(-BUILD_TAIL_LINES)) console.error(`  | ${line}`);
  throw new ImagesError(`building ${service} failed (${engine.command} build exited with ${result.code ?? result.stderr})`);
}

/** Pushes one reference and returns the manifest digest the registry accepted, as the engine reports it. */
async function pushOne(engine: Engine, ref: string, tag: string): Promise<string> {
  const failed = (result: Result): never => {
    const reason = lines(result.stderr).at(-1) ?? `exit ${result.code}`;
    throw new ImagesError(`pushing ${ref} failed: ${reason}`);
  };
  if (engine.name === 'docker') {
    const result = await run(engine.command, ['push', ref]);
    if (result.code !== 0) failed(result);
    return digestFromDockerPush(result.stdout, tag);
  }
  const dir = await mkdtemp(join(tmpdir(), 'mesh-demo-push-'));
  try {
    const file = join(dir, 'digest');
    const tls = isLoopbackRegistry(ref) ? ['--tls-verify=false'] : [];
    const result = await run(engine.command, ['push', '--digestfile', file, ...tls, ref]);
    if (result.code !== 0) failed(result);
    return digestFromFile(await readFile(file, 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function push({ registry, tag, engine: requested }: PushOptions): Promise<void> {
  const engine = await pickEngine(requested);
  log(
    `${engine.name} (${engine.command}${engine.name === 'docker' && process.env.DOCKER_HOST ? ` on ${process.env.DOCKER_HOST}` : ''}), tag ${tag}`,
  );
  // All four are built before any is pushed: a failing build leaves the registry as it was, never a release
  // with some services new and some old.
  for (const [index, service] of SERVICES.entries()) {
    const started = performance.now();
    log(`building ${imageRef(registry, service, tag)} (${index + 1}/${SERVICES.length})`);
    await build(engine, service, imageRef(registry, service, tag), tag);
    log(`built ${service} in ${seconds(started)}`);
  }
  const pushed: string[] = [];
  for (const service of SERVICES) {
    const started = performance.now();
    const digest = await pushOne(engine, imageRef(registry, service, tag), tag);
    pushed.push(digestRef(registry, service, digest));
    log(`pushed ${imageRef(registry, service, tag)} in ${seconds(started)}`);
  }
  // Only the references on stdout, so `./pnpmw -s images push ... > images.txt` keeps exactly what a chart needs.
  for (const ref of pushed) console.log(ref);
}
