// The resilience steps on the real mesh: Envoy's aborts and delays, the route timeout, retries, circuit breaking.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureMesh } from './support/lifecycle.ts';
import { applyStep, assertShare, cli, nodeInPod, podsOf, send, versionAt } from './support/mesh.ts';

const ABORT = 'customer v1 => Error: 503 - preference v1 => Error: 503 - fault filter abort';
const TIMEOUT = 'customer v1 => Error: 503 - preference v1 => Error: 504 - upstream request timeout';

/** The text line of a JSON answer, as `curl` without Accept would show it. */
async function lineOf(sent: { text: string }): Promise<string> {
  const { renderText } = await import('@mesh-demo/kit');
  return renderText(JSON.parse(sent.text));
}

describe('resilience steps', () => {
  before(async () => {
    await ensureMesh();
  });

  it('fault-abort: about half of 200 calls to recommendation end in Envoy\'s 503 "fault filter abort"', async () => {
    await applyStep('resilience-fault-abort');
    const sent = await send(200);
    const aborted = sent.filter((s) => s.status === 503);
    for (const s of aborted) assert.equal(await lineOf(s), ABORT);
    assert.equal(aborted.length + sent.filter((s) => s.status === 200).length, 200, 'only 200s and aborts');
    assertShare(aborted.length, 200, 0.5, 'aborted share');
  });

  it('fault-delay: about half of 120 calls take the 3 s delay, and every one still answers 200 (no 504)', async () => {
    await applyStep('resilience-fault-delay');
    const sent = await send(120, { concurrency: 24 });
    assert.deepEqual([...new Set(sent.map((s) => s.status))], [200], 'every call succeeds: the callers outwait the delay');
    const delayed = sent.filter((s) => s.ms >= 3000);
    assert.ok(
      delayed.every((s) => s.ms < 4500),
      `a delayed call took ${Math.max(...delayed.map((s) => s.ms)).toFixed(0)} ms`,
    );
    assert.ok(
      sent.filter((s) => s.ms < 3000).every((s) => s.ms < 1500),
      'the others are not held',
    );
    assertShare(delayed.length, 120, 0.5, 'delayed share');
  });

  it('timeout: calls routed to the slow v2 end in 504 "upstream request timeout" after 1 s, v1\'s answer', async () => {
    await applyStep('resilience-timeout');
    const sent = await send(40);
    const timedOut = sent.filter((s) => s.status !== 200);
    assert.ok(timedOut.length > 0 && timedOut.length < 40, `both outcomes seen (${timedOut.length} of 40 timed out)`);
    for (const s of timedOut) {
      assert.equal(await lineOf(s), TIMEOUT);
      assert.ok(s.ms >= 1000 && s.ms < 2500, `timed out after ${s.ms.toFixed(0)} ms`);
    }
    assert.deepEqual(new Set(sent.filter((s) => s.status === 200).map((s) => versionAt(s, 'recommendation'))), new Set(['v1']));
  });

  describe('retries', () => {
    let misbehaving = '';
    after(async () => {
      if (misbehaving) await nodeInPod(misbehaving, "fetch('http://localhost:8080/behave')");
    });

    it('retries: with one of two recommendation pods misbehaving, every call succeeds, while the pod did answer 503s', async () => {
      const status = await applyStep('resilience-retries');
      const pods = podsOf(status, 'recommendation', 'v1');
      assert.equal(pods.length, 2);
      misbehaving = pods[0]!.name;
      const exec = await nodeInPod(misbehaving, "fetch('http://localhost:8080/misbehave').then(r => console.log(r.status))");
      assert.equal(exec.stdout, '200\n', exec.stderr);
      const sent = await send(40);
      assert.deepEqual([...new Set(sent.map((s) => s.status))], [200]);
      assert.deepEqual(new Set(sent.map((s) => s.chain?.chain.at(-1)?.host)), new Set([pods[1]!.name]), 'only the healthy pod answered');
      const logs = await cli(['logs', misbehaving]);
      assert.ok((logs.stdout.match(/ GET \/ 503 /g) ?? []).length > 0, 'the misbehaving pod was tried and failed');
    });

    it("control: the same two pods without the retry policy let the misbehaving pod's 503s through", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mesh-step-'));
      const noRetries = join(dir, 'two-replicas.yaml');
      writeFileSync(noRetries, 'services: {recommendation: {versions: {v1: {enabled: true, replicas: 2}}}}\n');
      const status = await applyStep('02-mesh', noRetries);
      assert.ok(
        podsOf(status, 'recommendation', 'v1').some((p) => p.name === misbehaving),
        'the same pods kept running',
      );
      const sent = await send(40);
      assert.ok(
        sent.some((s) => s.status === 503),
        'some calls fail without the retries',
      );
    });
  });

  it('circuit breaker: 20 parallel calls overflow the 1-connection pool, and Envoy answers those 503 at once', async () => {
    await applyStep('resilience-circuit-breaker');
    const sent = await send(20, { concurrency: 20 });
    const overflowed = sent.filter((s) => s.status === 503 && s.text.includes('reset reason: overflow'));
    assert.ok(overflowed.length > 0, `no overflow among ${sent.map((s) => s.status).join(',')}`);
    assert.ok(
      sent.some((s) => s.status === 200),
      'some calls get through',
    );
    assert.ok(
      overflowed.every((s) => s.ms < 1000),
      'overflow is refused at once, not queued',
    );
  });

  it('routing on end-user: jason always gets recommendation v2, everyone else v1', async () => {
    await applyStep('resilience-route-header');
    const jason = await send(20, { headers: { 'end-user': 'jason' } });
    const others = await send(20, { headers: { 'end-user': 'alice' } });
    assert.deepEqual(new Set(jason.map((s) => versionAt(s, 'recommendation'))), new Set(['v2']));
    assert.deepEqual(new Set(others.map((s) => versionAt(s, 'recommendation'))), new Set(['v1']));
  });

  it('routing on the user agent: Safari gets recommendation v2, Firefox v1 (customer turns user-agent into baggage)', async () => {
    await applyStep('resilience-route-user-agent');
    const safari = await send(20, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh) AppleWebKit/605 Version/17.0 Safari/605.1.15' } });
    const firefox = await send(20, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' } });
    assert.deepEqual(new Set(safari.map((s) => versionAt(s, 'recommendation'))), new Set(['v2']));
    assert.deepEqual(new Set(firefox.map((s) => versionAt(s, 'recommendation'))), new Set(['v1']));
  });
});
