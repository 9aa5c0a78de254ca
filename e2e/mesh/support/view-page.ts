// `mesh view` under test: the real CLI serving the page, and Debian's chromium (via playwright-core) reading it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from '@mesh-demo/workspace';
import { type Browser, chromium, type Page } from 'playwright-core';
import { until } from '../../support/poll.ts';
import { CLI } from './mesh.ts';

/** Where the screenshots of each step go: CI keeps this folder as the run's artifacts. */
export const SCREENSHOTS = process.env.MESH_VIEW_SCREENSHOTS ?? join(REPO_ROOT, '.ci', 'artifacts', 'mesh-view');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** One row of the page's edge table, as its data attributes carry it. */
export interface EdgeRow {
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly rps: number;
  readonly share: number;
  readonly errorRate: number;
  readonly mtls: boolean;
}

export interface ViewSession {
  readonly url: string;
  readonly page: Page;
  /** The edges the page shows once it shows `step` over a window that began after `since` (epoch ms). */
  edgesOf(step: string, since: number, what: string, ready: (rows: EdgeRow[]) => boolean): Promise<EdgeRow[]>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openView(): Promise<ViewSession> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'view', '--port', String(port)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  const url = `http://127.0.0.1:${port}/`;
  await until(
    `mesh view to serve ${url} (its output: ${output || 'none yet'})`,
    async () => ((await fetch(url).catch(() => undefined))?.ok ? true : undefined),
    20_000,
  );
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1500, height: 820 } });
  // A script error on the page would only show as a page that never updates: keep them for the failure message.
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(url);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    url,
    page,
    async edgesOf(step, since, what, ready) {
      let last: EdgeRow[] = [];
      const read = async () => {
        // Strings, not functions: they run in the page, whose DOM types the tests' Node type-check does not know.
        const state = (await page.evaluate(
          '({ step: document.body.dataset.step, at: Number(document.body.dataset.at), window: Number(document.body.dataset.window) })',
        )) as {
          step?: string;
          at: number;
          window: number;
        };
        if (state.step !== step || state.at - state.window * 1000 < since) return undefined;
        const rows = (await page.evaluate("[...document.querySelectorAll('#edges tbody tr')].map((tr) => ({ ...tr.dataset }))")) as Record<
          string,
          string
        >[];
        last = rows.map((d) => ({
          from: d.from!,
          to: d.to!,
          kind: d.kind!,
          rps: Number(d.rps),
          share: Number(d.share),
          errorRate: Number(d.errorRate),
          mtls: d.mtls === 'true',
        }));
        return ready(last) ? last : undefined;
      };
      return until(`the page to show ${what} on ${step}`, read, 30_000, 500).catch((error: Error) => {
        throw new Error(
          `${error.message}; the page's edges last: ${JSON.stringify(last)}${pageErrors.length ? `; page errors: ${pageErrors.join(' | ')}` : ''}`,
        );
      });
    },
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close();
      child.kill('SIGINT');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    },
  };
}
