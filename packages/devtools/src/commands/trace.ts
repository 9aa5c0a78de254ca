// `./pnpmw trace`: a trace from Jaeger's query API as an indented tree of spans, the local trace view without a UI.
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError, defineCommand, type Invocation } from '@mesh-demo/workspace';
import { type JaegerQuery, jaegerQuery, QueryError } from '../jaeger-query.ts';
import { type JaegerTrace, renderTrace } from '../trace-tree.ts';

const DEFAULT_JAEGER = 'http://localhost:16686';
/** Spans reach Jaeger about a second after the request (the services' batch delay): a fresh id is waited for this long. */
const ARRIVAL_WAIT_MS = 3000;
/** After a trace first shows up, the other services' batches land within milliseconds: this catches them. */
const SETTLE_MS = 500;

const OPTIONS = {
  last: { type: 'boolean' },
  service: { type: 'string' },
  'request-id': { type: 'string' },
  jaeger: { type: 'string' },
} as const;

type Lookup = { kind: 'id'; id: string } | { kind: 'last'; service?: string } | { kind: 'request'; id: string };

/**
 * A trace sent a moment ago may not be in Jaeger yet: poll a few seconds, then, if it had to be waited for, read it
 * once more after the other services' spans have had time to land too.
 */
async function arrived(find: () => Promise<JaegerTrace | undefined>): Promise<JaegerTrace | undefined> {
  const deadline = Date.now() + ARRIVAL_WAIT_MS;
  let trace = await find();
  if (trace) return trace;
  while (!trace && Date.now() < deadline) {
    await sleep(200);
    trace = await find();
  }
  if (!trace) return undefined;
  await sleep(SETTLE_MS);
  return (await find()) ?? trace;
}

async function lookUp(query: JaegerQuery, lookup: Lookup): Promise<{ trace: JaegerTrace; note?: string }> {
  switch (lookup.kind) {
    case 'id': {
      const trace = await arrived(() => query.trace(lookup.id));
      if (!trace)
        throw new QueryError(
          `Jaeger at ${query.url} has no trace ${lookup.id} (spans arrive about a second after the request; were the services exporting to this Jaeger?)`,
        );
      return { trace };
    }
    case 'last': {
      const trace = await query.last(lookup.service);
      if (!trace)
        throw new QueryError(
          `Jaeger at ${query.url} has no trace${lookup.service ? ` through ${lookup.service}` : ''} yet: send a request first (curl localhost:8080)`,
        );
      // Re-read by id: a search can hand back a trace whose last spans were still on their way.
      return { trace: (await query.trace(trace.traceID)) ?? trace };
    }
    case 'request': {
      let count = 0;
      const trace = await arrived(async () => {
        const found = await query.byRequestId(lookup.id);
        count = found?.count ?? 0;
        return found && ((await query.trace(found.trace.traceID)) ?? found.trace);
      });
      if (!trace) throw new QueryError(`Jaeger at ${query.url} has no trace of a request with x-request-id ${lookup.id}`);
      return { trace, ...(count > 1 && { note: `${count} traces carry x-request-id ${lookup.id}; this is the latest` }) };
    }
  }
}

/** Which trace the options ask for, and from which Jaeger. */
function lookupOf({ values, positionals, fail }: Invocation<typeof OPTIONS>): { lookup: Lookup; jaeger: string } {
  const jaeger = values.jaeger ?? process.env.JAEGER_QUERY_URL ?? DEFAULT_JAEGER;
  if (!/^https?:\/\/[^/\s]+/.test(jaeger)) fail(`--jaeger wants an http(s) URL, e.g. ${DEFAULT_JAEGER} (got "${jaeger}")`);
  const given = [positionals.length > 0, values.last === true, values['request-id'] !== undefined].filter(Boolean).length;
  if (given !== 1) fail('give exactly one of TRACE_ID, --last or --request-id ID');
  if (positionals.length > 1) fail(`one trace id at a time (got ${positionals.length})`);
  if (values.service !== undefined && !values.last) fail('--service goes with --last');
  if (values.last) return { lookup: { kind: 'last', ...(values.service && { service: values.service }) }, jaeger };
  if (values['request-id'] !== undefined) {
    const id = values['request-id'];
    if (!id.trim()) fail('--request-id wants the x-request-id the request was sent with');
    return { lookup: { kind: 'request', id }, jaeger };
  }
  const id = positionals[0]!.trim().toLowerCase();
  if (!/^[0-9a-f]{1,32}$/.test(id)) fail(`a trace id is up to 32 hex digits (got "${positionals[0]}")`);
  return { lookup: { kind: 'id', id }, jaeger };
}

export const trace = defineCommand({
  name: 'trace',
  summary: "a trace from Jaeger's query API as a tree of spans",
  synopsis: 'TRACE_ID | --last [--service NAME] | --request-id ID   [--jaeger URL]',
  details: () => `  TRACE_ID           a trace id (hex, up to 32 digits), e.g. trace=<id> on a request line of ./pnpmw start
  --last             the trace that started last (through --service NAME only, if given)
  --request-id ID    the trace of the request sent with that x-request-id (the latest, if several were)
  --jaeger URL       Jaeger's query API (default $JAEGER_QUERY_URL, else ${DEFAULT_JAEGER})
Prints the spans as a tree: service and operation, start offset, duration, HTTP status (ERROR when the span failed).
On the local mesh the proxies' spans say which proxy ([gateway in], [sidecar out] -> its upstream) and Envoy's
response flags beside the status (FI: a fault's abort, DI: its delay, UF: the upstream failed).`,
  positionals: true,
  options: OPTIONS,
  async run(invocation) {
    const { lookup, jaeger } = lookupOf(invocation);
    try {
      const { trace, note } = await lookUp(jaegerQuery(jaeger), lookup);
      console.log(renderTrace(trace));
      if (note) console.log(`\n(${note})`);
    } catch (error) {
      if (error instanceof QueryError) throw new CommandError(error.message);
      throw error;
    }
    return 0;
  },
});
