// Load shedding on the public port: a request the service cannot start in time is answered 503 with Retry-After at once, instead of queueing until its deadline.
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface AdmissionConfig {
  /** Requests served at once on the public (and shadow) port; 0: no bound. At most the downstream pool's size. */
  readonly maxInFlight: number;
  /** Mean event-loop delay (ms, over the last second) above which every request is shed; 0: not checked. */
  readonly maxEventLoopDelayMs: number;
  /** The Retry-After of a shed request, in seconds. */
  readonly retryAfterSeconds: number;
}

const ADMITTED = Symbol('admitted');
type Tracked = FastifyRequest & { [ADMITTED]?: boolean };

/** The shed answer: short text naming the service, the bound and when to come back, as every refusal here is. */
function shed(reply: FastifyReply, config: AdmissionConfig, text: string): FastifyReply {
  return reply
    .code(503)
    .header('retry-after', String(config.retryAfterSeconds))
    .type('text/plain; charset=utf-8')
    .send(`${text}; retry after ${config.retryAfterSeconds} s\n`);
}

/**
 * The two bounds on the public app. In flight: a request beyond MAX_IN_FLIGHT would wait for one of the downstream
 * pool's connections, and a slow downstream makes that wait last until the deadline (5 s, then 504), while memory
 * grows with the queue; refusing at once lets the caller (or the mesh's retries and outlier detection) go elsewhere.
 * Event-loop delay (@fastify/under-pressure): the CPU side, when the process itself cannot keep up. Readiness is left
 * alone on purpose: shedding is per request and ends with the burst, while a pod marked unready under a load every
 * replica shares would push the whole load onto the others and take them out one after another.
 */
export function admission(app: FastifyInstance, name: string, config: AdmissionConfig): void {
  if (config.maxInFlight > 0) inFlightBound(app, name, config);
  if (config.maxEventLoopDelayMs > 0) {
    app.register(underPressure, {
      maxEventLoopDelay: config.maxEventLoopDelayMs,
      // Answered here; under-pressure then calls the hook's next, and Fastify stops at a reply already sent. Its own
      // retryAfter option is left out: only its default answer (no pressureHandler) and its /status route read it.
      pressureHandler: (_request, reply, _type, value) => {
        const lag = Math.round(Number(value));
        shed(reply, config, `${name} is overloaded: its event loop lags ${lag} ms (MAX_EVENT_LOOP_DELAY_MS ${config.maxEventLoopDelayMs})`);
      },
    });
  }
}

function inFlightBound(app: FastifyInstance, name: string, config: AdmissionConfig): void {
  let inFlight = 0;
  const full = `${name} is overloaded: ${config.maxInFlight} requests in flight (MAX_IN_FLIGHT)`;
  // Callback-style hooks, as service.ts' own: nothing here awaits.
  app.addHook('onRequest', (request: Tracked, reply, done) => {
    if (inFlight >= config.maxInFlight) {
      shed(reply, config, full);
      return;
    }
    inFlight++;
    request[ADMITTED] = true;
    done();
  });
  // A request leaves once, whether it was answered or its client went away (both hooks can run for one request).
  const leave = (request: Tracked, done: () => void) => {
    if (request[ADMITTED]) {
      request[ADMITTED] = false;
      inFlight--;
    }
    done();
  };
  app.addHook('onResponse', (request, _reply, done) => leave(request, done));
  app.addHook('onRequestAbort', (request, done) => leave(request, done));
}
