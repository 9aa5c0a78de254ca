// `pnpm loop [URL]`: a numbered curl loop for people, ending (Ctrl-C or -n) with errors by status and the version mix per hop.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChainSchema, renderText, type Chain } from '@mesh-demo/kit';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Tally } from './tally.ts';

const USAGE = `usage: pnpm loop [URL] [-n COUNT] [-i SECONDS] [-H 'name: value' ...]
  URL      default http://127.0.0.1:8080 (local customer)
  -n       stop after COUNT requests (default: until Ctrl-C)
  -i       seconds between requests (default 0.5)
  -H       extra request header, e.g. -H 'user-agent: Safari' (repeatable)`;

const isChain = TypeCompiler.Compile(ChainSchema);

function fail(message: string): never {
  console.error(`loop: ${message}\n${USAGE}`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { n: { type: 'string', short: 'n' }, i: { type: 'string', short: 'i' }, H: { type: 'string', short: 'H', multiple: true }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
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

const tally = new Tally();
let stop = false;
process.on('SIGINT', () => {
  stop = true;
});

for (let n = 1; n <= count && !stop; n++) {
  let line: string;
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
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
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    tally.add(undefined, undefined);
    line = `--- ${cause}`;
  }
  console.log(`#${n} ${line}`);
  if (n < count && !stop) await sleep(interval * 1000);
}
console.log(`\n${tally.summary()}`);
