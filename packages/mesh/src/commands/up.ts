// `mesh up` and `mesh apply`: check the step renders, start the supervisor when needed, and follow helm_step to live.
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BuildError, buildServices } from '@mesh-demo/builder';
import { commandName, defineCommand, LOCAL_PORTS, portIsFree, REPO_ROOT } from '@mesh-demo/workspace';
import { defaultClusterConfig } from '../cluster/config.ts';
import { CONTROL_SOCKET, command, getStatus, type MeshStatus, NotRunning, RUN_DIR } from '../control.ts';
import { MeshError } from '../errors.ts';
import { parseObjects, renderChart, resolveStepFile } from '../render.ts';
import { checkHostTools, ensureTools } from '../tools.ts';
import { supervisorAlive, sweep } from './down.ts';
import { requireRootOnLinux } from './root.ts';

const say = (line: string) => console.log(`mesh: ${line}`);

async function render(files: readonly string[]): Promise<{ files: string[]; manifest: string }> {
  const { helm } = await ensureTools(say);
  const paths = await Promise.all(files.map(resolveStepFile));
  const manifest = await renderChart(helm, paths);
  parseObjects(manifest);
  return { files: paths.map((p) => relative(REPO_ROOT, p)), manifest };
}

/** The pods run each service's bundle: built from the current source on every `up`, so an edit is what runs. */
async function build(): Promise<void> {
  const started = performance.now();
  const outcome = await buildServices().catch((error: Error) => {
    throw error instanceof BuildError ? new MeshError(`the services do not build: ${error.message}`) : error;
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  say(outcome === 'built' ? `built the services from source in ${seconds} s` : 'the services are built from the current source');
}

async function running(): Promise<MeshStatus | undefined> {
  try {
    return await getStatus();
  } catch (error) {
    if (error instanceof NotRunning) return undefined;
    throw error;
  }
}

export async function up(files: readonly string[]): Promise<number> {
  requireRootOnLinux();
  const current = await running();
  if (current) {
    console.log(`mesh: a local mesh is already running (step ${current.files.join(' + ')}); nothing changed.`);
    console.log('      switch steps with ./pnpmw mesh apply -f STEP, or stop it with ./pnpmw mesh down');
    return 0;
  }
  if (existsSync(RUN_DIR)) {
    // A live supervisor that does not answer is starting or stuck: leave it to the person who knows which.
    if (supervisorAlive())
      throw new MeshError(`a mesh supervisor is starting or stuck (${RUN_DIR}/supervisor.pid); run ./pnpmw mesh down first`);
    // A dead one (killed, machine crash) only left files and namespaces behind: sweeping them is what down would do.
    say(`${RUN_DIR} is left from a mesh that did not stop cleanly (its supervisor is gone); sweeping it first`);
    await sweep();
  }
  await checkHostTools();
  for (const [service, port] of Object.entries(LOCAL_PORTS).filter(([s]) => s === 'customer' || s === 'partner')) {
    if (!(await portIsFree(port)))
      throw new MeshError(`port ${port} (the edge for ${service}) is taken: stop ./pnpmw start or docker compose first`);
  }
  // The traces' ports on loopback are the ones ./pnpmw start's trace stack and docker compose use too.
  const { ports } = defaultClusterConfig();
  for (const [what, port] of [
    ["Jaeger's query API", ports.jaegerQuery],
    ['the trace UI', ports.traceUi],
  ] as const) {
    if (!(await portIsFree(port)))
      throw new MeshError(`port ${port} (${what}) is taken: stop ./pnpmw start's trace stack or docker compose first`);
  }
  const started = performance.now();
  const step = await render(files);
  await build();
  await mkdir(RUN_DIR, { recursive: true });
  const log = openSync(join(RUN_DIR, 'supervisor.out'), 'a');
  const supervisor = spawn(process.execPath, [join(import.meta.dirname, '..', 'supervisor.ts')], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: REPO_ROOT,
  });
  supervisor.unref();
  await waitForSocket(supervisor.pid ?? -1);
  await follow(step);
  const status = await getStatus();
  console.log(`\nmesh: up in ${((performance.now() - started) / 1000).toFixed(1)} s, step ${status.files.join(' + ')}`);
  printEdge(status);
  return 0;
}

export async function apply(files: readonly string[]): Promise<void> {
  requireRootOnLinux();
  if (!(await running())) throw new NotRunning();
  const step = await render(files);
  await follow(step);
  printEdge(await getStatus());
}

/** The supervisor applies the step with helm (the chart README's helm_step); the rendering above caught bad values. */
async function follow(step: { files: string[]; manifest: string }): Promise<void> {
  say(`applying ${step.files.join(' + ')}`);
  const outcome = await command('/apply', { files: step.files }, say);
  if (outcome) say(outcome);
}

async function waitForSocket(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(CONTROL_SOCKET)) return;
    try {
      process.kill(pid, 0);
    } catch {
      const out = readFileSync(join(RUN_DIR, 'supervisor.out'), 'utf8').trim().split('\n').slice(-5).join('\n');
      throw new MeshError(`the supervisor exited before it was ready:\n${out}`);
    }
    await sleep(50);
  }
  throw new MeshError('the supervisor did not open its control socket within 10 s');
}

function printEdge(status: MeshStatus): void {
  for (const edge of status.edge) {
    console.log(
      `  ${edge.app.padEnd(9)} ${edge.url.padEnd(22)} -> ${edge.host} (via ${edge.target}, ${edge.endpoints} endpoint${edge.endpoints === 1 ? '' : 's'})`,
    );
  }
  // As the user typed it (./pnpmw mesh, pnpm mesh, node .../cli.ts); loop is a sibling script of the same runner.
  const mesh = commandName('mesh');
  const loop = mesh.endsWith(' mesh') ? `${mesh.slice(0, -' mesh'.length)} loop` : './pnpmw loop';
  console.log(`\n  ${`${loop} -n 100`.padEnd(32)} # the split and every hop, through the ingress gateway`);
  console.log(`  ${`${mesh} view`.padEnd(32)} # the traffic as a live graph on http://127.0.0.1:20001/`);
  console.log(`  ${`${mesh} kubectl get pods -A`.padEnd(32)} # kubectl, helm and istioctl, pinned, on this cluster`);
  console.log(`  ${`export KUBECONFIG=${join(RUN_DIR, 'kubeconfig')}`.padEnd(32)} # ... or your own tools on it`);
  console.log(`  ${mesh} apply -f 03a-blue-green-50-50`);
  console.log(`  ${mesh} status | logs customer v1 | down`);
}

const STEPS = { file: { type: 'string', short: 'f', multiple: true } } as const;

export const upCommand = defineCommand({
  name: 'up',
  summary: "start istiod, the ingress gateway and the step's pods (default step 02-mesh)",
  synopsis: '[-f STEP]...',
  positionals: true,
  options: STEPS,
  run({ values, positionals, fail }) {
    if (positionals.length) fail(`up takes no arguments (got ${positionals.join(' ')}); name steps with -f`);
    return up(values.file ?? ['02-mesh']);
  },
});

export const applyCommand = defineCommand({
  name: 'apply',
  summary: 'switch to another step live; unchanged pods keep running (and counting)',
  synopsis: '-f STEP [-f ...]',
  positionals: true,
  options: STEPS,
  async run({ values, positionals, fail }) {
    const files = values.file ?? [];
    if (positionals.length || files.length === 0) fail('apply wants one or more -f STEP');
    await apply(files);
    return 0;
  },
});
