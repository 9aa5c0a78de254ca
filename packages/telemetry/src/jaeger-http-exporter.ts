// OTEL_TRACES_EXPORTER=jaeger with OTEL_EXPORTER_JAEGER_ENDPOINT set: each batch as one Thrift POST to the collector.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { encodeBatch } from './jaeger-thrift.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The Jaeger exporter's HTTPSender timeout: a collector that does not answer in it fails the batch. */
const TIMEOUT_MS = 5000;

/**
 * What @opentelemetry/exporter-jaeger does with an endpoint (POST application/x-thrift, basic auth from
 * OTEL_EXPORTER_JAEGER_USER/PASSWORD, a keep-alive agent, 5 s), with the batch encoded by jaeger-thrift.ts in one
 * request instead of one per 100 spans. Without an endpoint the package's own exporter sends to the agent over UDP.
 */
export class JaegerHttpExporter implements SpanExporter {
  private readonly url: URL;
  private readonly auth: string | undefined;
  private readonly agent: HttpAgent;
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(endpoint: string, env: Env) {
    const url = URL.parse(endpoint);
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new Error(`OTEL_EXPORTER_JAEGER_ENDPOINT: ${JSON.stringify(endpoint)} is not an http(s) URL`);
    this.url = url;
    const user = env.OTEL_EXPORTER_JAEGER_USER?.trim();
    const password = env.OTEL_EXPORTER_JAEGER_PASSWORD?.trim();
    this.auth = user && password ? `${user}:${password}` : undefined;
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.closed) {
      done({ code: ExportResultCode.FAILED, error: new Error('the Jaeger exporter is shut down') });
      return;
    }
    if (spans.length === 0) {
      done({ code: ExportResultCode.SUCCESS });
      return;
    }
    let body: Buffer;
    try {
      body = encodeBatch(spans);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    const sent = this.post(body).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  private post(body: Buffer): Promise<void> {
    const { url } = this;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method: 'POST',
          agent: this.agent,
          auth: this.auth,
          timeout: TIMEOUT_MS,
          headers: { 'content-type': 'application/x-thrift', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.once('end', () =>
            (res.statusCode ?? 0) >= 400
              ? reject(new Error(`error sending spans over HTTP: server responded with HTTP ${res.statusCode}`))
              : resolve(),
          );
          res.once('error', reject);
        },
      );
      req.once('timeout', () => req.destroy(new Error(`error sending spans over HTTP: no answer in ${TIMEOUT_MS} ms`)));
      req.once('error', (error) => reject(new Error(`error sending spans over HTTP: ${error.message}`)));
      req.end(body);
    });
  }

  /** Batches already handed over finish (sent or failed); nothing is buffered here between exports. */
  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await this.forceFlush();
    this.agent.destroy();
  }
}
