// Phase 5: connections opened per 1,000 chained requests, on a chain of its own behind counting proxies.
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { freePort } from '@mesh-demo/workspace';
import type { BenchRun } from './bench-run.ts';
import { startCountingProxy } from './conn-proxy.ts';
import { runLoad } from './load.ts';
import type { ReuseFigures } from './results.ts';
import { offNodeArgs, TRACING_OFF_ENV } from './telemetry.ts';

/**
 * A counting TCP proxy sits in front of preference and of recommendation, so every connection their callers open is
 * one accept. Warm-up first (the pools fill), then a fixed number of requests at the headline concurrency; only the
 * accepts during those requests count.
 */
export async function measureReuse(run: BenchRun): Promise<ReuseFigures[]> {
  const { profile } = run;
  let chain: LocalServices | undefined;
  const toPreference = await startCountingProxy(await freePort(), () => chain!.instances.find((i) => i.name === 'preference')!.port);
  const toRecommendation = await startCountingProxy(
    await freePort(),
    () => chain!.instances.find((i) => i.name === 'recommendation')!.port,
  );
  run.cleanups.push(
    () => toPreference.close(),
    () => toRecommendation.close(),
  );
  chain = await startLocalServices({
    env: TRACING_OFF_ENV,
    nodeArgs: offNodeArgs(),
    stdout: 'discard',
    envFor: {
      customer: { PREFERENCE_URL: `http://127.0.0.1:${toPreference.port}` },
      preference: { RECOMMENDATION_URL: `http://127.0.0.1:${toRecommendation.port}` },
    },
  });
  run.cleanups.push(() => chain!.stopAll());
  const url = chain.url('customer');
  await warmUp(url, profile.connections, () => toPreference.accepted() + toRecommendation.accepted());
  const hops = [
    { hop: 'customer → preference', proxy: toPreference },
    { hop: 'preference → recommendation', proxy: toRecommendation },
  ].map(({ hop, proxy }) => ({ hop, proxy, warmupOpened: proxy.accepted() }));
  const result = await runLoad({
    url,
    connections: profile.connections,
    durationSeconds: 0,
    warmupSeconds: 0,
    amount: profile.reuseRequests,
  });
  const figures = hops.map(({ hop, proxy, warmupOpened }) => {
    const opened = proxy.accepted() - warmupOpened;
    return { hop, warmupOpened, requests: result.ok, opened, per1000: (1000 * opened) / Math.max(1, result.ok) };
  });
  for (const f of figures) run.log(`reuse ${f.hop}: ${f.warmupOpened} opened in warm-up, then ${f.opened} over ${f.requests} requests`);
  await run.cleanups.stopAll();
  return figures;
}

/**
 * Warm-up lasts until the pools stop growing: one whole second at full concurrency without a new connection (at most
 * 10 s). A pool that keeps churning never settles, and then shows up in the measured figure.
 */
async function warmUp(url: string, connections: number, opened: () => number): Promise<void> {
  for (let second = 0, before = -1; second < 10 && opened() !== before; second++) {
    before = opened();
    await runLoad({ url, connections, durationSeconds: 1, warmupSeconds: 0 });
  }
}
