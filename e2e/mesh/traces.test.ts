// Traces on the local mesh, read back from the real Jaeger's query API: step 2's one tree through the gateway, every
// sidecar and the three services; a mirrored copy's own trace; a fault's abort and delay in the proxy's span; the mesh
// with its collector frozen; and the trace UI in Chromium, with a picture of each walkthrough step's trace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getStatus, type MeshStatus } from '@mesh-demo/mesh';
import { until } from '../support/poll.ts';
import { openTracePage } from '../telemetry/support/trace-page.ts';
import { completeZipkinTrace } from '../telemetry/support/zipkin.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { applyStep, type Sent, send } from './support/mesh.ts';
import { openView, type ViewSession } from './support/view-page.ts';

const NS = 'mesh-demo';
const GATEWAY = 'istio-ingressgateway.istio-ingress';
const APPS = ['customer', 'preference', 'recommendation'] as const;
const sidecar = (app: string) => `${app}.${NS}`;
/** A trace's chain from customer's own span on: each call leaves through the caller's sidecar, enters the callee's. */
const FROM_CUSTOMER_APP = [
  'customer app',
  `${sidecar('customer')} out`,
  `${sidecar('preference')} in`,
  'preference app',
  `${sidecar('preference')} out`,
  `${sidecar('recommendation')} in`,
  'recommendation app',
];
/** Envoy's OpenTelemetry tracer sends its spans every 5 s (its flush interval): a trace is whole within this. */
const WHOLE_WITHIN_MS = 25_000;

interface Span {
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly { refType: string; traceID: string; spanID: string }[];
  readonly startTime: number;
  readonly duration: number;
  readonly processID: string;
  readonly tags: readonly { key: string; value: unknown }[];
}
interface Trace {
  readonly traceID: string;
  readonly spans: readonly Span[];
  readonly processes: Record<string, { serviceName: string }>;
}

let query = '';

const tag = (span: Span, key: string) => span.tags.find((t) => t.key === key)?.value;
const serviceOf = (trace: Trace, span: Span) => trace.processes[span.processID]!.serviceName;
const isProxy = (span: Span) => tag(span, 'component') === 'proxy';
const kindOf = (span: Span) => String(tag(span, 'span.kind'));

/** Every trace in Jaeger whose spans carry this x-request-id (Envoy's tag, which the services' spans carry too). */
async function tracesOf(requestId: string): Promise<Trace[]> {
  const found = new Map<string, Trace>();
  for (const service of [GATEWAY, ...APPS]) {
    const params = new URLSearchParams({ service, limit: '20', tags: JSON.stringify({ 'guid:x-request-id': requestId }) });
    const response = await fetch(`${query}/api/traces?${params}`, { signal: AbortSignal.timeout(5000) });
    assert.equal(response.status, 200, `Jaeger's query API answered ${response.status}`);
    for (const trace of ((await response.json()) as { data: Trace[] }).data) found.set(trace.traceID, trace);
  }
  return [...found.values()];
}

/** The request's traces once each holds `spans` spans (the proxies' batches come up to 5 s after the apps'). */
function whole(requestId: string, spansPerTrace: readonly number[], what: string): Promise<Trace[]> {
  let seen = 'none yet';
  return until(
    `${what}: traces of ${requestId} of ${spansPerTrace.join(' and ')} spans in Jaeger`,
    async () => {
      const traces = (await tracesOf(requestId)).sort((a, b) => b.spans.length - a.spans.length);
      seen = traces.map((t) => `${t.traceID}: ${t.spans.length} spans`).join(', ') || 'none';
      const counts = traces.map((t) => t.spans.length);
      return counts.length === spansPerTrace.length && counts.every((n, i) => n === spansPerTrace[i]) ? traces : undefined;
    },
    WHOLE_WITHIN_MS,
    500,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; Jaeger has: ${seen}`);
  });
}

/** Each span's parent within the trace, or undefined for a root (a parent not in the trace counts as none). */
function parentOf(trace: Trace, span: Span): Span | undefined {
  const ref = span.references.find((r) => r.refType === 'CHILD_OF');
  return ref && trace.spans.find((s) => s.spanID === ref.spanID);
}

/** The trace's spans from its one root down, each the only child of the one before: a chain in call order. */
function chainOf(trace: Trace): Span[] {
  const roots = trace.spans.filter((s) => !parentOf(trace, s));
  assert.equal(roots.length, 1, `one root (${roots.map((s) => `${serviceOf(trace, s)} ${s.operationName}`).join(', ')})`);
  const chain = [roots[0]!];
  for (;;) {
    const children = trace.spans.filter((s) => parentOf(trace, s) === chain.at(-1));
    if (children.length === 0) return chain;
    assert.equal(children.length, 1, `one child under ${serviceOf(trace, chain.at(-1)!)} ${chain.at(-1)!.operationName}`);
    // The message names both spans and their start times: a failure here once (step 4a) passed on the next run.
    assert.ok(
      children[0]!.startTime >= chain.at(-1)!.startTime,
      `a child starts after its parent: ${label(trace, children[0]!)} at ${children[0]!.startTime} µs, under ${label(trace, chain.at(-1)!)} at ${chain.at(-1)!.startTime} µs`,
    );
    chain.push(children[0]!);
  }
}

/** `customer.mesh-demo in` / `customer app`: who made a span, and which side of a proxy it is. */
function label(trace: Trace, span: Span): string {
  if (!isProxy(span)) return `${serviceOf(trace, span)} app`;
  return `${serviceOf(trace, span)} ${kindOf(span) === 'server' ? 'in' : 'out'}`;
}

async function oneRequest(headers: Record<string, string> = {}): Promise<Sent> {
  const [sent] = await send(1, { headers, concurrency: 1 });
  return sent!;
}

describe('traces on the local mesh', () => {
  let status: MeshStatus;

  before(async () => {
    await ensureMesh();
    status = await getStatus();
    query = status.traces.query;
  });

  it('step 2: one request is one trace through the gateway, every sidecar both ways and the three apps, in call order', async () => {
    await applyStep('02-mesh');
    const sent = await oneRequest();
    assert.equal(sent.status, 200);
    const [trace] = await whole(sent.requestId, [10], 'step 2');
    assert.deepEqual(
      chainOf(trace!).map((span) => label(trace!, span)),
      [`${GATEWAY} in`, `${GATEWAY} out`, `${sidecar('customer')} in`, ...FROM_CUSTOMER_APP],
    );
    const ids = trace!.spans.map((span) => tag(span, 'guid:x-request-id')).filter((id) => id !== undefined);
    assert.ok(ids.length >= 7, `the request id on the apps' and the proxies' inbound spans (on ${ids.length})`);
    assert.deepEqual([...new Set(ids)], [sent.requestId], 'one x-request-id on every span that carries one');
    assert.ok(
      trace!.spans.filter(isProxy).every((span) => tag(span, 'response_flags') === '-' && tag(span, 'http.status_code') === '200'),
      'every proxy span: 200, no response flags',
    );
  });

  it("step 4a: a mirrored copy is its own trace (Istio sends mirrors unsampled), from customer v2's shadow span on down", async () => {
    await applyStep('04a-mirror-customer');
    const sent = await oneRequest();
    assert.equal(sent.status, 200);
    // The original: the chain of step 2. The copy: customer v2 marks it shadow and starts its trace, so it has no
    // gateway or customer v2 inbound span (not sampled), but its own and everything it calls downstream.
    const [original, copy] = await whole(sent.requestId, [10, 7], 'step 4a');
    assert.ok(
      original!.spans.every((span) => tag(span, 'mesh_demo.shadow') !== true),
      'the original trace holds no shadow span',
    );
    assert.deepEqual(
      chainOf(copy!).map((span) => label(copy!, span)),
      FROM_CUSTOMER_APP,
    );
    const root = chainOf(copy!)[0]!;
    assert.equal(tag(root, 'mesh_demo.shadow'), true, "customer's span of the copy is marked shadow");
    assert.equal(tag(root, 'mesh_demo.version'), 'v2', 'and answered by v2, the mirror target');
    assert.ok(
      root.references.some((r) => r.traceID === original!.traceID),
      `the copy's root refers to the original trace ${original!.traceID} (a span link)`,
    );
    const customerSidecars = copy!.spans.filter((s) => serviceOf(copy!, s) === sidecar('customer'));
    assert.ok(
      customerSidecars.every((s) => tag(s, 'node_id') === undefined || String(tag(s, 'node_id')).includes('customer-v2')),
      "the copy's customer proxy spans are v2's",
    );
  });

  it("a fault's abort: the caller's sidecar span has Envoy's FI flag and the 503, and nothing reached recommendation", async () => {
    await applyStep('resilience-fault-abort');
    const aborted = await until('a call aborted by the 50% fault', async () => {
      const sent = await oneRequest();
      return sent.status === 503 ? sent : undefined;
    });
    const [trace] = await whole(aborted.requestId, [8], 'an aborted call');
    const out = trace!.spans.find((s) => serviceOf(trace!, s) === sidecar('preference') && kindOf(s) === 'client');
    assert.ok(out, "preference's outbound span");
    assert.equal(tag(out, 'response_flags'), 'FI');
    assert.equal(tag(out, 'http.status_code'), '503');
    assert.equal(tag(out, 'upstream_cluster'), `outbound|8080||recommendation.${NS}.svc.cluster.local`);
    assert.deepEqual(
      trace!.spans.filter((s) => serviceOf(trace!, s).startsWith('recommendation')),
      [],
      'no span of recommendation or its sidecar',
    );
  });

  it("a fault's delay: the caller's sidecar span lasts the 3 s with Envoy's DI flag, and the time is the proxy's, not the app's", async () => {
    await applyStep('resilience-fault-delay');
    const delayed = await until(
      'a call delayed by the 50% fault',
      async () => {
        const sent = await oneRequest();
        return sent.ms >= 3000 ? sent : undefined;
      },
      60_000,
    );
    const [trace] = await whole(delayed.requestId, [10], 'a delayed call');
    const out = trace!.spans.find((s) => serviceOf(trace!, s) === sidecar('preference') && kindOf(s) === 'client')!;
    const inbound = trace!.spans.find((s) => serviceOf(trace!, s) === sidecar('recommendation'))!;
    const app = trace!.spans.find((s) => serviceOf(trace!, s) === 'recommendation')!;
    assert.equal(tag(out, 'response_flags'), 'DI');
    assert.ok(out.duration >= 3_000_000, `preference's outbound span lasts at least 3 s (${out.duration} µs)`);
    assert.ok(inbound.startTime - out.startTime >= 2_900_000, "recommendation's sidecar sees the call 3 s after it was sent");
    assert.ok(app.duration < 1_000_000, `recommendation itself takes well under the delay (${app.duration} µs)`);
  });

  it('with the collector frozen (Jaeger stopped, not gone), the mesh answers every call, none slower than the frozen export lets', async () => {
    await applyStep('02-mesh');
    const jaeger = (await getStatus()).processes.find((p) => p.name === 'jaeger');
    assert.ok(jaeger?.pid, 'mesh status lists the jaeger process with its pid');
    const before = await send(200, { concurrency: 4 });
    process.kill(jaeger.pid, 'SIGSTOP');
    let during: Sent[];
    try {
      during = await send(200, { concurrency: 4 });
    } finally {
      process.kill(jaeger.pid, 'SIGCONT');
    }
    const statuses = (sent: Sent[]) => [...new Set(sent.map((s) => s.status))];
    assert.deepEqual(statuses(before), [200]);
    assert.deepEqual(statuses(during), [200], 'every call answered 200 while nothing took the spans');
    const median = (sent: Sent[]) => sent.map((s) => s.ms).sort((a, b) => a - b)[Math.floor(sent.length / 2)]!;
    // A behaviour, not a speed: an exporter that waited on the collector would add its timeout (seconds) to calls.
    assert.ok(
      median(during) < median(before) * 3 + 50,
      `calls do not wait on the collector: median ${median(during).toFixed(1)} ms frozen against ${median(before).toFixed(1)} ms`,
    );
    // And tracing comes back by itself once the collector does.
    const after = await oneRequest();
    await whole(after.requestId, [10], 'after the collector came back');
  });
});

describe('the trace UI on the local mesh', () => {
  const STEPS = ['02-mesh', '03a-blue-green-50-50', '03b-canary-25-75', '04b-mirror-customer-50', 'resilience-fault-abort'] as const;
  let ui: Awaited<ReturnType<typeof openTracePage>>;
  let zipkin: string;

  before(async () => {
    await ensureMesh();
    const { traces } = await getStatus();
    query = traces.query;
    // The UI is Zipkin's Lens at <zipkin>/zipkin/; its API is at <zipkin>/api/v2.
    zipkin = new URL('..', traces.ui).toString().replace(/\/$/, '');
    ui = await openTracePage(traces.ui);
  });
  after(async () => {
    await ui?.close();
  });

  it("finds the gateway's traces and opens one showing the gateway's, every sidecar's and the apps' spans; a picture per step", async () => {
    for (const step of STEPS) {
      await applyStep(step);
      // The fault's picture shows a call it aborted (half of them are).
      const sent =
        step === 'resilience-fault-abort'
          ? await until('a call aborted by the 50% fault', async () => {
              const one = await oneRequest();
              return one.status === 503 ? one : undefined;
            })
          : await oneRequest();
      // 10 spans for a call that went all the way, 8 for one a fault aborted before recommendation.
      const trace = await throughGateway(sent.requestId, sent.status === 200 ? 10 : 8, step);
      await completeZipkinTrace(zipkin, trace.traceID, [GATEWAY, sidecar('customer'), 'customer'], WHOLE_WITHIN_MS);
      // A fresh search page for each step, whatever the last one left open.
      await ui.page.goto(`${zipkin}/zipkin/`);
      const listed = await ui.searchService(GATEWAY);
      assert.ok(listed.includes(trace.traceID), `${step}: the gateway's search lists the request's trace`);
      const shown = await ui.openTrace(trace.traceID);
      assert.ok(shown.services.includes(GATEWAY), `${step}: the trace page shows the gateway's span (${shown.services.join(', ')})`);
      assert.ok(shown.services.includes(sidecar('customer')), `${step}: and customer's sidecar's`);
      assert.ok(shown.services.includes('customer'), `${step}: and customer's own`);
      await ui.screenshot(`mesh-${step}`);
    }
  });
});

describe("mesh view's links to the trace UI", () => {
  let view: ViewSession;
  let ui: Awaited<ReturnType<typeof openTracePage>>;

  before(async () => {
    await ensureMesh();
    await applyStep('03a-blue-green-50-50');
    view = await openView();
    const { traces } = await getStatus();
    query = traces.query;
    ui = await openTracePage(traces.ui);
  });
  after(async () => {
    await ui?.close();
    await view?.close();
  });

  it("the step's link lists the gateway's traces, and an edge's lists the traces through that version of its destination", async () => {
    const since = Date.now();
    // Steady traffic until the page's window shows both edges (it draws only what the last 5 s carried).
    let sending = true;
    const traffic = (async () => {
      const all: Sent[] = [];
      while (sending) all.push(...(await send(4, { concurrency: 2 })));
      return all;
    })();
    try {
      await view.edgesOf(
        '03a-blue-green-50-50',
        since,
        'the edges to both recommendation versions',
        (rows) => rows.some((r) => r.to === 'recommendation:v2') && rows.some((r) => r.to === 'recommendation:v1'),
      );
    } finally {
      sending = false;
    }
    await traffic;
    // The newest call, one v2 answered: the links search the newest traces (10, as Lens lists by default).
    const v1: Sent[] = [];
    const v2 = await until('a call answered by recommendation v1, then one by v2', async () => {
      const one = await oneRequest();
      const version = one.chain?.chain.at(-1)?.version;
      if (version === 'v1') v1.push(one);
      return version === 'v2' && v1.length > 0 ? one : undefined;
    });
    // Hrefs as the page holds them (strings, not functions: they run in the page, whose DOM types the tests do not know).
    const links = (await view.page.evaluate(
      `({ step: document.querySelector('#step-traces')?.getAttribute('href'),
          v2: document.querySelector('#edges tbody tr[data-to="recommendation:v2"] a')?.getAttribute('href') })`,
    )) as { step?: string; v2?: string };
    assert.ok(links.step && links.v2, `both links are on the page (${JSON.stringify(links)})`);
    const trace = await throughGateway(v2.requestId, 10, 'a call v2 answered');
    await completeZipkinTrace(zipkin(ui), trace.traceID, [GATEWAY, sidecar('recommendation')], WHOLE_WITHIN_MS);
    assert.ok((await ui.searchAt(links.step)).includes(trace.traceID), "the step's search lists the call's trace");
    assert.ok((await ui.searchAt(links.v2)).includes(trace.traceID), "recommendation v2's edge lists it too");
    // A search that ignored the version would list the v1 call just before it among the newest.
    const [v1Trace] = await whole(v1.at(-1)!.requestId, [10], 'the last call v1 answered');
    assert.ok(!(await ui.searchAt(links.v2)).includes(v1Trace!.traceID), "a call v1 answered is not in v2's edge's search");
  });
});

/** Zipkin's base URL (its API under /api/v2) from the page the trace UI session started on. */
function zipkin(ui: Awaited<ReturnType<typeof openTracePage>>): string {
  return new URL(ui.page.url()).origin;
}

/** The request's trace that came through the gateway, once it holds `spans` spans (a mirror's copy is another trace). */
function throughGateway(requestId: string, spans: number, what: string): Promise<Trace> {
  return until(
    `${what}: the trace of ${requestId} through the gateway with ${spans} spans`,
    async () => (await tracesOf(requestId)).find((t) => t.spans.length === spans && t.spans.some((s) => serviceOf(t, s) === GATEWAY)),
    WHOLE_WITHIN_MS,
    500,
  );
}
