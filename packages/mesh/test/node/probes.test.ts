// Probes and hooks behave as the kubelet's against real local servers: results, thresholds, periods, and nothing left running.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@mesh-demo/workspace';
import type { Action, ProbePlan } from '../../src/node/plan.ts';
import { HookFailed, Prober, runAction, runHandler } from '../../src/node/probes.ts';

const target = { host: '127.0.0.1' };
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** An HTTP server whose answer the test sets; it counts requests and keeps the last one's headers. */
class Backend {
  status = 200;
  /** Never answer (a hung backend). */
  hang = false;
  requests = 0;
  headers: IncomingHttpHeaders = {};
  readonly server: Server = createServer((request, response) => {
    this.requests++;
    this.headers = request.headers;
    if (this.hang) return;
    response.writeHead(this.status).end('body');
  });
  port = 0;

  async listen(): Promise<this> {
    this.port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const http = (port: number, path = '/ready', headers: Record<string, string> = {}): Action => ({
  kind: 'http',
  port,
  path,
  scheme: 'http',
  headers,
});
const plan = (action: Action, overrides: Partial<ProbePlan> = {}): ProbePlan => ({
  action,
  initialDelayMs: 0,
  periodMs: 30,
  timeoutMs: 500,
  failureThreshold: 1,
  successThreshold: 1,
  ...overrides,
});

/** Waits (briefly) until `check` holds. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(10);
  assert.ok(check(), `timed out waiting for ${what}`);
}

let backend: Backend;
before(async () => {
  backend = await new Backend().listen();
});
after(() => backend.close());

describe('probe actions', () => {
  it("http: 200-399 pass, others fail with the status code; the kubelet's user agent and the probe's headers are sent", async () => {
    backend.status = 200;
    assert.deepEqual(await runAction(http(backend.port, '/ready', { 'x-probe': 'yes' }), target, 500), { ok: true, message: '' });
    assert.equal(backend.headers['user-agent'], 'kube-probe/1.34');
    assert.equal(backend.headers['x-probe'], 'yes');
    backend.status = 302;
    assert.equal((await runAction(http(backend.port), target, 500)).ok, true);
    backend.status = 503;
    assert.deepEqual(await runAction(http(backend.port), target, 500), { ok: false, message: 'HTTP probe failed with statuscode: 503' });
  });

  it('http: a backend that does not answer fails at the timeout, and one that is not there fails at once', async () => {
    backend.hang = true;
    const began = Date.now();
    const slow = await runAction(http(backend.port), target, 150);
    backend.hang = false;
    assert.equal(slow.ok, false);
    assert.match(slow.message, /^Get "http:\/\/127\.0\.0\.1:\d+\/ready": context deadline exceeded/);
    assert.ok(Date.now() - began < 1000);
    const closed = await runAction(http(await freePort()), target, 500);
    assert.match(closed.message, /ECONNREFUSED/);
  });

  it('https: a self-signed certificate is not verified, as the kubelet does not verify it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probe-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=pod'].concat([
        '-keyout',
        join(dir, 'key'),
        '-out',
        join(dir, 'cert'),
      ]),
      { stdio: 'ignore' },
    );
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key')), cert: readFileSync(join(dir, 'cert')) }, (_, response) =>
      response.end('ok'),
    );
    rmSync(dir, { recursive: true });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const outcome = await runAction({ kind: 'http', port, path: '/healthz/ready', scheme: 'https', headers: {} }, target, 1000);
    server.close();
    assert.deepEqual(outcome, { ok: true, message: '' });
  });

  it('tcp: a listening port passes and is closed at once; a closed port fails with the dial error', async () => {
    const port = await freePort();
    let accepted = 0;
    const server = createTcpServer((socket) => {
      accepted++;
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    assert.deepEqual(await runAction({ kind: 'tcp', port }, target, 500), { ok: true, message: '' });
    await until(() => accepted === 1, 'the connection');
    await new Promise((resolve) => server.close(resolve));
    const refused = await runAction({ kind: 'tcp', port }, target, 500);
    assert.equal(refused.ok, false);
    assert.match(refused.message, new RegExp(`^dial tcp 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  it("exec: the runner's exit code decides, with the probe's timeout passed on; without an exec it fails", async () => {
    const calls: [readonly string[], number][] = [];
    const exec = async (command: readonly string[], timeoutMs: number) => {
      calls.push([command, timeoutMs]);
      return command[0] === 'true' ? 0 : 1;
    };
    assert.equal((await runAction({ kind: 'exec', command: ['true'] }, { ...target, exec }, 700)).ok, true);
    assert.deepEqual(await runAction({ kind: 'exec', command: ['false'] }, { ...target, exec }, 700), {
      ok: false,
      message: 'command exited with 1',
    });
    assert.deepEqual(calls, [
      [['true'], 700],
      [['false'], 700],
    ]);
    assert.equal((await runAction({ kind: 'exec', command: ['true'] }, target, 700)).ok, false);
  });
});

describe('Prober', () => {
  it('readiness starts failed, turns ready after successThreshold passes, unready after failureThreshold failures', async () => {
    backend.status = 200;
    const changes: [boolean, string][] = [];
    const prober = new Prober('readiness', plan(http(backend.port), { successThreshold: 2, failureThreshold: 2 }), target, {
      onChange: (ok, message) => changes.push([ok, message]),
    });
    assert.equal(prober.result, false);
    prober.start();
    await until(() => changes.length === 1, 'ready');
    assert.ok(backend.requests >= 2, 'two successes before ready');
    backend.status = 500;
    const failingFrom = backend.requests;
    await until(() => changes.length === 2, 'unready');
    prober.stop();
    assert.ok(backend.requests - failingFrom >= 2, 'two failures before unready');
    assert.deepEqual(changes, [
      [true, ''],
      [false, 'HTTP probe failed with statuscode: 500'],
    ]);
    assert.equal(prober.result, false);
  });

  it('liveness starts passed, calls onFailure once at failureThreshold, then stops probing until the runner makes a new one', async () => {
    backend.status = 503;
    const requestsBefore = backend.requests;
    const events: string[] = [];
    const prober = new Prober('liveness', plan(http(backend.port), { failureThreshold: 3 }), target, {
      onChange: (ok) => events.push(`change ${ok}`),
      onFailure: (message) => events.push(`failure ${message}`),
    });
    assert.equal(prober.result, true);
    prober.start();
    await until(() => events.length === 2, 'the failure');
    await sleep(100);
    assert.equal(backend.requests - requestsBefore, 3);
    assert.deepEqual(events, ['change false', 'failure HTTP probe failed with statuscode: 503']);
  });

  it('startup is unknown until it passes, waits initialDelay before the first probe, and stops once passed', async () => {
    backend.status = 200;
    const baseline = timers();
    const requestsBefore = backend.requests;
    const began = Date.now();
    let startedAt = 0;
    const prober = new Prober('startup', plan({ kind: 'tcp', port: backend.port }, { initialDelayMs: 120 }), target, {
      onChange: () => {
        startedAt = Date.now();
      },
    });
    assert.equal(prober.result, undefined);
    prober.start();
    await until(() => startedAt > 0, 'started');
    assert.ok(startedAt - began >= 110, `first probe after initialDelay, was ${startedAt - began} ms`);
    assert.equal(prober.result, true);
    await sleep(100);
    assert.equal(backend.requests, requestsBefore, 'a tcp probe sends no request');
    assert.equal(timers(), baseline);
  });

  it('stop() aborts the probe in flight, leaves no timer running and calls nothing after it', async () => {
    const baseline = timers();
    backend.hang = true;
    const requestsBefore = backend.requests;
    let events = 0;
    const prober = new Prober('readiness', plan(http(backend.port), { timeoutMs: 5000 }), target, { onChange: () => events++ });
    prober.start();
    await until(() => backend.requests > requestsBefore, 'the request');
    assert.ok(timers() > baseline, "the probe's timeout is running");
    prober.stop();
    backend.hang = false;
    await sleep(50);
    assert.equal(timers(), baseline);
    assert.equal(events, 0);
  });
});

describe('runHandler', () => {
  it('runs a preStop HTTP hook, and throws HookFailed with the reason when it fails', async () => {
    backend.status = 200;
    const requestsBefore = backend.requests;
    await runHandler(http(backend.port, '/drain'), target);
    assert.equal(backend.requests, requestsBefore + 1);
    backend.status = 500;
    await assert.rejects(runHandler(http(backend.port, '/drain'), target), new HookFailed('HTTP probe failed with statuscode: 500'));
  });

  it("sleeps for a sleep action, and the caller's signal (the grace period) cuts it short without a failure", async () => {
    const began = Date.now();
    await runHandler({ kind: 'sleep', seconds: 0.05 }, target);
    assert.ok(Date.now() - began >= 45);
    const cut = Date.now();
    await runHandler({ kind: 'sleep', seconds: 60 }, target, AbortSignal.timeout(50));
    assert.ok(Date.now() - cut < 1000);
  });
});
