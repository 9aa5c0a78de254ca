// `./pnpmw fault`: read or change a running service's faults through its management port, without hand-written curl.
import { CommandError, commandName, defineCommand, isServiceName, LOCAL_PORTS } from '@mesh-demo/workspace';

async function call(base: string, local: boolean, method: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${base}/faults`, {
      method,
      signal: AbortSignal.timeout(5000),
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    // A local service that does not answer is most often a chain that is not running (yet).
    throw new CommandError(`${base} unreachable (${cause})${local ? `: is the chain running (${commandName('start')})?` : ''}`);
  }
  const text = await response.text();
  if (!response.ok) throw new CommandError(`${response.status} ${text.trim()}`);
  return JSON.parse(text);
}

export const fault = defineCommand({
  name: 'fault',
  summary: "read or change a running service's faults",
  synopsis: 'SERVICE|--url URL [options]',
  details: () => `  SERVICE              customer, partner, preference or recommendation (local management ports 9080-9083)
  --url URL            a management port elsewhere, e.g. http://127.0.0.1:9000 after kubectl port-forward
  --error-rate R       share of requests to / that fail, 0..1
  --status CODE        status of those failures (400-599, default 503)
  --delay MS[-MAX]     fixed delay, or a random one between MS and MAX
  --ready on|off       readiness answer
  --match NAME=VALUE   only requests with this header value get the error and delay
  --clear              remove every fault
With no option it prints the faults in force.`,
  positionals: true,
  options: {
    url: { type: 'string' },
    'error-rate': { type: 'string' },
    status: { type: 'string' },
    delay: { type: 'string' },
    ready: { type: 'string' },
    match: { type: 'string' },
    clear: { type: 'boolean' },
  },
  async run({ values, positionals, fail }) {
    if (positionals.length > (values.url ? 0 : 1)) fail(`one SERVICE, or --url alone (got ${positionals.join(' ')})`);
    const target = positionals[0];
    let base: string;
    if (values.url) {
      if (!/^https?:\/\//.test(values.url) || !URL.canParse(values.url)) fail(`--url wants an http(s) URL (got ${values.url})`);
      base = values.url.replace(/\/$/, '');
    } else if (target && isServiceName(target)) base = `http://127.0.0.1:${LOCAL_PORTS[target] + 1000}`;
    else return fail(target ? `unknown service "${target}"` : 'name a service or --url');

    const changes: Record<string, unknown> = {};
    const number = (flag: string, text: string) => {
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) fail(`${flag} wants a number (got ${text})`);
      return value;
    };
    if (values['error-rate'] !== undefined) changes.errorRate = number('--error-rate', values['error-rate']);
    if (values.status !== undefined) changes.errorStatus = number('--status', values.status);
    if (values.delay !== undefined) {
      const [min, max] = values.delay.split('-');
      changes.delayMs = number('--delay', min ?? '');
      changes.delayMaxMs = max === undefined ? undefined : number('--delay', max);
    }
    if (values.ready !== undefined) {
      if (!['on', 'off'].includes(values.ready)) fail(`--ready wants on or off (got ${values.ready})`);
      changes.ready = values.ready === 'on';
    }
    if (values.match !== undefined) {
      const at = values.match.indexOf('=');
      if (at < 1) fail(`--match wants NAME=VALUE (got ${values.match})`);
      changes.match = { header: values.match.slice(0, at), value: values.match.slice(at + 1) };
    }

    const local = !values.url;
    let result: unknown;
    if (values.clear) result = await call(base, local, 'DELETE');
    else if (Object.keys(changes).length === 0) result = await call(base, local, 'GET');
    else {
      // Read-modify-write, so one flag changes one setting and leaves the others as they are.
      const current = (await call(base, local, 'GET')) as Record<string, unknown>;
      const next = Object.fromEntries(Object.entries({ ...current, ...changes }).filter(([, v]) => v !== undefined));
      result = await call(base, local, 'PUT', next);
    }
    console.log(JSON.stringify(result));
    return 0;
  },
});
