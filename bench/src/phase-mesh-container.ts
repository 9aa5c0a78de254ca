// The mesh container's figures: its image's size, and `compose --profile mesh up --wait` cold and warm, beside `mesh up`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from '@mesh-demo/workspace';
import type { BenchRun } from './bench-run.ts';
import type { MeshContainerFigures, MeshContainerStart, Skipped } from './results.ts';
import { runCommand } from './run-command.ts';
import { dropPageCache, timeToFirstOk } from './time-to-ok.ts';

const IMAGE = 'mesh-demo/mesh:dev';
const PROJECT = 'mesh-demo-bench';
/** Docker's client and Compose, as the e2e tests find them (CI points them at its own engine). */
const DOCKER = process.env.DOCKER ?? 'docker';
const COMPOSE = (process.env.COMPOSE ?? `${DOCKER} compose`).split(' ').filter(Boolean);
/** Compose files over docker-compose.yml, ':'-separated: on a machine that cannot start a privileged container, CI's stand-in. */
const OVERRIDES = (process.env.MESH_CONTAINER_COMPOSE_FILES ?? '').split(':').filter(Boolean);

/** Why the container cannot be measured here, or undefined when it can. */
export async function meshContainerMissing(): Promise<string | undefined> {
  const engine = await runCommand(DOCKER, ['version', '--format', '{{.Server.Version}}']);
  if (engine.code !== 0) return `no container engine answers (${engine.output.trim().split('\n').pop()})`;
  const image = await runCommand(DOCKER, ['image', 'inspect', IMAGE]);
  if (image.code !== 0) return `no ${IMAGE} image: build it with docker compose --profile mesh build`;
  return undefined;
}

/** The image's size as the engine counts it (uncompressed layers) and as a registry would carry it (gzip). */
async function imageSize(): Promise<Pick<MeshContainerFigures, 'imageBytes' | 'compressedBytes' | 'layers'>> {
  const { stdout } = await promisify(execFile)(DOCKER, ['image', 'inspect', IMAGE, '--format', '{{.Size}} {{len .RootFS.Layers}}']);
  const [bytes, layers] = stdout.trim().split(' ').map(Number);
  // What a push sends is each layer gzipped; one gzip of `docker save` is within a few percent of their sum.
  const { stdout: compressed } = await promisify(execFile)('sh', ['-c', `"${DOCKER}" save ${IMAGE} | gzip -1 | wc -c`], {
    maxBuffer: 1 << 20,
  });
  return { imageBytes: bytes!, layers: layers!, compressedBytes: Number(compressed.trim()) };
}

/** `up --wait` timed: to the first 200 at the published edge, and to --wait's return (the container healthy). */
async function timeUp(compose: (args: string[]) => Promise<{ code: number; output: string }>, edge: string, cold: boolean) {
  if (cold) await dropPageCache();
  const { firstOkMs, doneMs, result } = await timeToFirstOk(() => compose(['up', '--wait']), edge, {
    timeoutMs: 600_000,
    settledOk: (up) => up.code === 0,
  });
  if (result.code !== 0) throw new Error(`compose up --wait failed: ${result.output.trim().split('\n').slice(-3).join(' | ')}`);
  if (Number.isNaN(firstOkMs)) throw new Error(`the edge gave no 200 within 600 s of compose up`);
  // The poll may see the edge a moment after --wait returned.
  return { firstOkMs: Math.min(firstOkMs, doneMs), waitMs: doneMs } satisfies Omit<MeshContainerStart, 'downMs'>;
}

/**
 * Cold (page cache dropped, a new container from the image) then warm (after `down`, the image's files cached): each
 * start a new container, as every `up` after a `down` is. The native `mesh up` runs beside it in the mesh phase.
 */
export async function measureMeshContainer(run: BenchRun): Promise<MeshContainerFigures | Skipped> {
  const missing = await meshContainerMissing();
  if (missing) return { skipped: missing };
  const log = (line: string) => run.log(`mesh container: ${line}`);
  const env: Record<string, string> = {};
  for (const name of ['CUSTOMER_PORT', 'PARTNER_PORT', 'MESH_VIEW_PORT', 'JAEGER_UI_PORT', 'ZIPKIN_PORT'])
    env[name] = String(await freePort());
  const files = ['docker-compose.yml', ...OVERRIDES].flatMap((file) => ['--file', file]);
  const compose = (args: string[]) =>
    runCommand(COMPOSE[0]!, [...COMPOSE.slice(1), '--project-name', PROJECT, ...files, '--profile', 'mesh', ...args], env);
  const edge = `http://127.0.0.1:${env.CUSTOMER_PORT}/`;
  const size = await imageSize();
  log(`${IMAGE}: ${(size.imageBytes / 1e6).toFixed(0)} MB, ${(size.compressedBytes / 1e6).toFixed(0)} MB gzipped, ${size.layers} layers`);
  await compose(['down', '--volumes', '--remove-orphans']);
  const starts: MeshContainerStart[] = [];
  try {
    for (let i = 0; i < 1 + (run.profile.name === 'full' ? 3 : 1); i++) {
      const up = await timeUp(compose, edge, i === 0);
      const downStarted = performance.now();
      const down = await compose(['down', '--volumes', '--remove-orphans']);
      if (down.code !== 0) throw new Error(`compose down failed: ${down.output.trim().split('\n').pop()}`);
      starts.push({ ...up, downMs: performance.now() - downStarted });
      log(
        `${i === 0 ? 'cold' : 'warm'}: first 200 after ${Math.round(up.firstOkMs)} ms, --wait returned after ${Math.round(up.waitMs)} ms`,
      );
    }
  } finally {
    await compose(['down', '--volumes', '--remove-orphans']);
  }
  return { date: new Date().toISOString(), image: IMAGE, ...size, cold: starts[0]!, warm: starts.slice(1), overrides: OVERRIDES };
}
