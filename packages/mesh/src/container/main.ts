// The mesh container's process edge: checks, `mesh up` on MESH_STEP, the view and published ports, then on SIGTERM `mesh down`.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { supervisorAlive } from '../commands/down.ts';
import { checkKernel, checkPrivileged, hostProbe } from './preflight.ts';
import { publishAddresses, publishPorts } from './publish.ts';
import { stepFiles } from './step.ts';

const MESH_MAIN = join(import.meta.dirname, '..', 'main.ts');
/** The health check's flag (bin/mesh-container-ready): there only while the mesh serves the step. */
const READY_FILE = '/run/mesh-container/ready';
/** The edge (customer, partner), the mesh view, Jaeger's UI and query API, Zipkin's UI: all on 127.0.0.1 inside. */
const PUBLISHED = [8080, 8081, 20001, 16686, 9411];
const VIEW_PORT = 20001;

const say = (line: string) => console.log(`mesh-container: ${line}`);

function mesh(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--conditions=development', MESH_MAIN, ...args], { stdio: 'inherit' });
}

const exited = (child: ChildProcess) =>
  new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });

let stopRequested: (() => void) | undefined;
const stopping = new Promise<string>((resolve) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  stopRequested = () => resolve('the supervisor');
});

async function main(): Promise<number> {
  const refusal = (await checkPrivileged(hostProbe)) ?? (await checkKernel(hostProbe));
  if (refusal) {
    console.error(`mesh-container: ${refusal}`);
    return 1;
  }
  const files = stepFiles(process.env.MESH_STEP);
  if (typeof files === 'string') {
    console.error(`mesh-container: ${files}`);
    return 2;
  }
  // Before `up`: afterwards the container also has the pods' bridge leg, which must stay unpublished.
  const addresses = publishAddresses();
  say(`bringing the mesh up on ${files.join(' + ')}`);
  const up = mesh(['up', ...files.flatMap((file) => ['-f', file])]);
  const first = await Promise.race([exited(up).then((code) => ({ code })), stopping.then((signal) => ({ signal }))]);
  if ('signal' in first) {
    say(`${first.signal} while starting: stopping the start, then taking the mesh down`);
    up.kill('SIGINT');
    await exited(up);
    return takeDown();
  }
  if (first.code !== 0) {
    say(`mesh up failed (exit ${first.code}); taking down what it started`);
    await takeDown();
    return first.code;
  }
  const view = mesh(['view', '--port', String(VIEW_PORT)]);
  const published = await publishPorts(addresses, PUBLISHED).catch(async (error: Error) => {
    console.error(`mesh-container: ${error.message}`);
    return undefined;
  });
  if (!published) {
    view.kill('SIGTERM');
    await takeDown();
    return 1;
  }
  mkdirSync(join(READY_FILE, '..'), { recursive: true });
  writeFileSync(READY_FILE, `${new Date().toISOString()}\n`);
  say(`ready: ports ${PUBLISHED.join(', ')} published on ${addresses.join(', ') || 'no address'}`);
  say('switch steps with: docker compose exec mesh mesh apply -f STEP; stop with docker compose --profile mesh down');
  void watchSupervisor();
  const why = await stopping;
  rmSync(READY_FILE, { force: true });
  say(`${why} ${why === 'the supervisor' ? 'exited' : 'received'}: taking the mesh down`);
  await published.close();
  view.kill('SIGTERM');
  await exited(view);
  const code = await takeDown();
  return why === 'the supervisor' ? 1 : code;
}

/** A supervisor that dies leaves a mesh nobody keeps alive: the container ends, so `ps` and restart policies see it. */
async function watchSupervisor(): Promise<void> {
  while (supervisorAlive()) await sleep(2000);
  stopRequested?.();
}

async function takeDown(): Promise<number> {
  const started = performance.now();
  const code = await exited(mesh(['down']));
  say(`mesh down ${code === 0 ? 'done' : `failed (exit ${code})`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return code;
}

process.exitCode = await main();
