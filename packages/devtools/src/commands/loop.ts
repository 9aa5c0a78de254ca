// `./pnpmw loop [URL]`: a numbered curl loop for people, ending (Ctrl-C or -n) with errors by status and the version mix per hop.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Chain, ChainSchema, renderText } from '@mesh-demo/kit';
import { defineCommand } from '@mesh-demo/workspace';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Tally } from '../tally.ts';

export const loop = defineCommand({
  name: 'loop',
  summary: 'a numbered curl loop with a version summary',
  synopsis: "[URL] [-n COUNT] [-i SECONDS] [-H 'name: value' ...]",
  details: () => `  URL      default http://127.0.0.1:8080 (local customer)
  -n       stop after COUNT requests (default: until Ctrl-C, which prints the summary and exits 0)
  -i       seconds between requests (default 0.5)
  -H       extra request header, e.g. -H 'user-agent: Safari' (repeatable)`,
  positionals: true,
  options: { n: { type: 'string', short: 'n' }, i: { type: 'string', short: 'i' }, H: { type: 'string', short: 'H', multiple: true } },
  async run({ values, positionals, fail }) {
    if (positionals.length > 1) fail(`one URL at most (got ${positionals.join(' ')})`);
    const url = positionals[0] ?? 'http://127.0.0.1:8080';
    if (!/^https?:\/\//.test(url) || !URL.canParse(url)) fail(`not an http(s) URL: ${url}`);
    const count = values.n === undefined ? Infinity : Number(values.n);
    if (!(count === Infinity || (Number.isInteger(count) && count > 0))) fail(`-n wants a positive whole number (got ${values.n})`);
    const interval = values.i === undefined ? 0.5 : Number(values.i);
    if (!Number.isFinite(interval) || interval < 0) fail(`-i wants seconds >= 0 (got ${values.i})`);
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const header of values.H ?? []) {
      const at = header.indexOf(':');
      if (at < 1) fail(`-H wants 'name: value' (got ${header})`);
      headers[header.slice(0, at).trim().toLowerCase()] = header.slice(at + 1).trim();
    }
    const isChain = TypeCompiler.Compile(ChainSchema);
    const tally = new Tally();
    // Ctrl-C is how a loop normally ends: it cuts the wait (and a request still in flight, which is not counted), then
    // the summary prints and the exit is 0, so pnpm has no failure to report.
    const stopped = new AbortController();
    process.on('SIGINT', () => stopped.abort());

    for (let n = 1; n <= count && !stopped.signal.aborted; n++) {
      let line: string;
      try {
        const response = await fetch(url, { headers, signal: AbortSignal.any([stopped.signal, AbortSignal.timeout(15_000)]) });
        const text = await response.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const chain: Chain | undefined = isChain.Check(body) ? body : undefined;
        tally.add(response.status, chain);
        line = `${response.status} ${chain ? renderText(chain) : text.split('\n', 1)[0]}`;
      } catch (error) {
        if (stopped.signal.aborted) break;
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
        tally.add(undefined, undefined);
        line = `--- ${cause}`;
      }
      console.log(`#${n} ${line}`);
      if (n < count) await sleep(interval * 1000, undefined, { signal: stopped.signal }).catch(() => undefined);
    }
    console.log(`\n${tally.summary()}`);
    // Exit now, with the SIGINT handler still in place: pnpm forwards the terminal's Ctrl-C to us a moment after the
    // terminal did, and a process left to wind down by itself first resets SIGINT to its default, death by that echo.
    process.exit(0);
  },
});
