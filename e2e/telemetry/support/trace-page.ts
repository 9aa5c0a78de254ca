// Zipkin's Lens UI in Debian's chromium (via playwright-core), used as a person would: a search by service, then a trace.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { type Browser, chromium, type Page } from 'playwright-core';
import { until } from '../../support/poll.ts';

/** Where the screenshots go: CI keeps .ci/artifacts as the run's artifacts. */
export const SCREENSHOTS = process.env.TRACE_UI_SCREENSHOTS ?? join(REPO_ROOT, '.ci', 'artifacts', 'trace-ui');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export interface TracePage {
  readonly page: Page;
  /** Types `serviceName=<service>` into the search bar and runs the query; the trace ids of the rows listed. */
  searchService(service: string): Promise<string[]>;
  /** Opens a search link (another page's, e.g. mesh view's), which Lens fills in but does not run, runs it; the ids listed. */
  searchAt(url: string): Promise<string[]>;
  /** Opens a listed trace by its Show link; the services its timeline names and its span count. */
  openTrace(traceId: string): Promise<{ services: string[]; spans: number }>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openTracePage(uiUrl: string): Promise<TracePage> {
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  // A script error would only show as a page that never fills: keep them for the failure message.
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const explain = (error: Error) =>
    new Error(`${error.message}${pageErrors.length ? `; page errors: ${pageErrors.join(' | ')}` : ''}; page at ${page.url()}`);
  /** Runs the search the bar holds and waits for the rows; the trace ids listed. */
  const listed = async (): Promise<string[]> => {
    await page.getByRole('button', { name: 'Run Query' }).click();
    const links = page.locator('a[href*="/zipkin/traces/"]');
    await until('the search to list a trace', async () => ((await links.count()) > 0 ? true : undefined), 20_000, 200).catch((e: Error) => {
      throw explain(e);
    });
    const hrefs = await links.evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href') ?? ''));
    return hrefs.map((href) => href.split('/').pop()!);
  };
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.goto(uiUrl);
  return {
    page,
    async searchService(service) {
      // Lens' search bar: the + button opens a criterion input that takes `key=value`, Enter turns it into a chip.
      await page.click('[data-testid=add-button]');
      await page.keyboard.type(`serviceName=${service}`);
      await page.keyboard.press('Enter');
      return listed();
    },
    async searchAt(url) {
      await page.goto(url);
      return listed();
    },

    async openTrace(traceId) {
      await page.click(`a[href$="/traces/${traceId}"]`);
      // The timeline labels each row `<service>: <span name>`; the summary line says how many spans there are.
      return until(
        `the trace page of ${traceId} to show its timeline`,
        async () => {
          const spans = /Total Spans\s*(\d+)/.exec((await page.locator('main').textContent()) ?? '')?.[1];
          const labels = await page
            .locator('main')
            .getByText(/^[a-z][\w.-]*: \S/)
            .allTextContents();
          const services = [...new Set(labels.map((label) => label.split(':')[0]!))];
          return spans && services.length ? { services, spans: Number(spans) } : undefined;
        },
        20_000,
        200,
      ).catch((e: Error) => {
        throw explain(e);
      });
    },
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => browser.close(),
  };
}
