// `mesh view`: the local mesh's traffic as a live graph in the browser (or --tui in the terminal), from the proxies' own stats.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCommand } from '@mesh-demo/workspace';
import { getStatus } from '../control.ts';
import { MeshError } from '../errors.ts';
import { Scraper } from '../view/scraper.ts';
import { serveView } from '../view/server.ts';
import { formatGraph } from '../view/tui.ts';

export interface ViewOptions {
  readonly port: number;
  readonly tui: boolean;
  readonly windowSeconds: number;
}

export async function view(options: ViewOptions): Promise<void> {
  await getStatus(); // fails with "no local mesh is running" before anything listens
  const scraper = new Scraper({ status: () => getStatus(), windowSeconds: options.windowSeconds });
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const server = options.tui
    ? undefined
    : await serveView(options.port, () => scraper.graph()).catch((error: NodeJS.ErrnoException) => {
        throw new MeshError(
          error.code === 'EADDRINUSE'
            ? `port ${options.port} is taken; pick another with --port`
            : `cannot serve the view: ${error.message}`,
        );
      });
  if (server) console.log(`mesh view: http://127.0.0.1:${options.port}/ (Ctrl-C stops it)`);
  while (!stopping) {
    const started = Date.now();
    try {
      const graph = await scraper.scrape();
      if (options.tui) process.stdout.write(`\x1b[H\x1b[2J${formatGraph(graph)}\n`);
    } catch (error) {
      if (options.tui) process.stdout.write(`\x1b[H\x1b[2Jmesh view: ${(error as Error).message}\n`);
    }
    await sleep(Math.max(0, 1000 - (Date.now() - started)));
  }
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
}

export const viewCommand = defineCommand({
  name: 'view',
  summary: 'the traffic as a live graph on http://127.0.0.1:20001/ (--tui: in this terminal)',
  synopsis: '[--port N] [--tui]',
  details: () =>
    '  --port N     where the page is served (default 20001)\n  --tui        the same numbers in this terminal\n  --window S   seconds of traffic each figure covers, 2-60 (default 5)',
  options: { port: { type: 'string' }, tui: { type: 'boolean' }, window: { type: 'string' } },
  async run({ values, fail }) {
    const port = Number(values.port ?? 20001);
    const windowSeconds = Number(values.window ?? 5);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port wants a port number, 1-65535 (got ${values.port})`);
    if (!Number.isInteger(windowSeconds) || windowSeconds < 2 || windowSeconds > 60)
      fail(`--window wants whole seconds, 2-60 (got ${values.window})`);
    await view({ port, tui: values.tui === true, windowSeconds });
    return 0;
  },
});
