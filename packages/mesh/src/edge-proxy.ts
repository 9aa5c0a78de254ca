// The edge's Envoy process on the host: it reloads its listeners and clusters whenever their files are replaced.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EdgeRoute, edgeBootstrap, edgeClusters, edgeListeners } from './edge.ts';

export class EdgeProxy {
  private current = '';

  private readonly child: ChildProcess;
  private readonly dir: string;

  private constructor(child: ChildProcess, dir: string) {
    this.child = child;
    this.dir = dir;
  }

  static async start(envoy: string, runDir: string): Promise<EdgeProxy> {
    const dir = join(runDir, 'edge');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'lds.json'), JSON.stringify(edgeListeners([])));
    await writeFile(join(dir, 'cds.json'), JSON.stringify(edgeClusters([])));
    await writeFile(join(dir, 'bootstrap.json'), JSON.stringify(edgeBootstrap(dir)));
    const log = await open(join(runDir, 'logs', 'edge.log'), 'a');
    const child = spawn(envoy, ['-c', join(dir, 'bootstrap.json'), '--disable-hot-restart', '--log-level', 'warning'], {
      stdio: ['ignore', log.fd, log.fd],
      detached: true,
    });
    await log.close();
    return new EdgeProxy(child, dir);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Writes the routes when they changed. Clusters first, then listeners, each by rename: Envoy watches these paths for
   * moves, so it never reads a half-written file, and a listener never names a cluster it does not have yet.
   */
  async update(routes: readonly EdgeRoute[]): Promise<boolean> {
    const text = JSON.stringify(routes);
    if (text === this.current) return false;
    this.current = text;
    await this.replace('cds.json', edgeClusters(routes));
    await this.replace('lds.json', edgeListeners(routes));
    return true;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  private async replace(name: string, content: object): Promise<void> {
    const path = join(this.dir, name);
    await writeFile(`${path}.next`, JSON.stringify(content));
    await rename(`${path}.next`, path);
  }
}
