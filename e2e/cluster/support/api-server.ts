// A throwaway etcd + kube-apiserver for one test file: its own temp directory and free loopback ports, gone afterwards.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BareApiServer, startBareApiServer, toolPaths } from '@mesh-demo/mesh';
import { freePorts } from '@mesh-demo/workspace';

export interface TestApiServer extends BareApiServer {
  readonly runDir: string;
  /** `kubectl <args>` as the admin, through the kube binary the mesh runs (`kube kubectl`). */
  kubectl(...args: string[]): Promise<string>;
  /** Stops both processes and removes the directory; what is left of them afterwards, if anything (see leftovers). */
  stopAndSweep(): Promise<string[]>;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Kills, at once and without waiting, every process whose pid file is in `runDir`/pids and whose command line still
 * names it, then removes the directory: the last resort when the test process ends without its `after` hook (an
 * uncaught error, a signal), which would otherwise leave etcd and the API server running in their own process groups.
 */
function killRecordedNow(runDir: string): void {
  const pids = join(runDir, 'pids');
  for (const file of existsSync(pids) ? readdirSync(pids) : []) {
    const [pid, command] = readFileSync(join(pids, file), 'utf8').split('\n');
    try {
      if (command && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(command)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  rmSync(runDir, { recursive: true, force: true });
}

/** Processes whose arguments name `runDir`, and the directory itself, if either is still there. */
export async function leftovers(runDir: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'pid,args']);
  const found = stdout.split('\n').filter((line) => line.includes(`${runDir}/`));
  if (existsSync(runDir)) found.push(runDir);
  return found;
}

export async function startTestApiServer(): Promise<TestApiServer> {
  const runDir = mkdtempSync(join(tmpdir(), 'mesh-demo-api-'));
  const onExit = () => killRecordedNow(runDir);
  const onSignal = (signal: NodeJS.Signals) => {
    killRecordedNow(runDir);
    process.kill(process.pid, signal);
  };
  process.once('exit', onExit);
  for (const signal of SIGNALS) process.once(signal, onSignal);
  const forget = () => {
    process.off('exit', onExit);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };

  const tools = await toolPaths();
  const [etcdClient, etcdPeer, apiServer] = (await freePorts(3)) as [number, number, number];
  let server: BareApiServer;
  try {
    server = await startBareApiServer({ runDir, ports: { etcdClient, etcdPeer, apiServer }, tools });
  } catch (error) {
    killRecordedNow(runDir);
    forget();
    throw error;
  }
  return {
    ...server,
    runDir,
    async kubectl(...args) {
      const { stdout } = await promisify(execFile)(tools.kube, ['kubectl', `--kubeconfig=${server.kubeconfig}`, ...args]);
      return stdout;
    },
    async stopAndSweep() {
      await server.stop();
      rmSync(runDir, { recursive: true, force: true });
      forget();
      return leftovers(runDir);
    },
  };
}
