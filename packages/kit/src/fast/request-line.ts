// The one log line per request, written out by hand in exactly the format pino gives every other line of the service.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceConfig } from '../config.ts';
import { type LogStream, traceFields } from '../server.ts';

/** pino's number for `info`; the request line is an info line. */
const INFO = 30;
const QUIET_LEVELS = new Set(['fatal', 'error', 'warn', 'silent']);

/**
 * Why by hand: it is the busiest line a service writes (one per request per hop), and through pino it cost about
 * 8 µs a hop under load (the line's object, the mixin and its merge, pino's generic serialiser, the timestamp), which
 * on the shared cores of the bench came out at a tenth of the chain's throughput. Here the constant part is built once
 * and the rest is one template. The format is pino's, field for field and in its order (the app logger's bindings,
 * the request id, the trace fields when there is a span, the line's own fields, the message); a unit test holds the
 * two to the same bytes. Returns undefined when LOG_LEVEL leaves info lines out.
 */
export function requestLogger(
  config: ServiceConfig,
  stream: LogStream,
  shadowOf: (request: FastifyRequest) => boolean,
): ((request: FastifyRequest, reply: FastifyReply) => void) | undefined {
  if (QUIET_LEVELS.has(config.logLevel)) return undefined;
  const bindings = [
    `,"service":${JSON.stringify(config.service.name)}`,
    `,"version":${JSON.stringify(config.version)}`,
    `,"host":${JSON.stringify(config.hostname)}`,
    ',"port":"public"',
  ].join('');
  const head = `{"level":${INFO},"time":`;
  return (request, reply) => {
    const trace = traceFields();
    const traced = trace.trace_id === undefined ? '' : `,"trace_id":"${trace.trace_id}","span_id":"${trace.span_id}"`;
    stream.write(
      `${head}${Date.now()}${bindings},"request_id":${JSON.stringify(request.id)}${traced}` +
        `,"method":${JSON.stringify(request.method)},"url":${JSON.stringify(request.url)}` +
        `,"status":${reply.statusCode},"ms":${Math.round(reply.elapsedTime * 10) / 10}` +
        `,"shadow":${shadowOf(request)},"msg":"request"}\n`,
    );
  };
}
