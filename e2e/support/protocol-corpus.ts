// Requests whose framing or target is ambiguous, each with the RFC rule it breaks, the answer it must get, and who refuses it.

/** Who refuses a case on our listeners: Node's HTTP parser, or the kit's check (packages/kit/src/ambiguous-request.ts). */
export type Layer = 'node' | 'kit';

export interface AmbiguousCase {
  readonly name: string;
  /** The RFC section whose rule the request breaks. */
  readonly rule: string;
  /**
   * The request's bytes for a listener whose route is `path` on `host` (so a request that got through would reach a
   * route: through the mesh's gateway only the Route's host does).
   */
  readonly request: (path: string, host: string) => string;
  readonly status: 400 | 501 | 505;
  readonly layer: Layer;
}

const get = (path: string, fields: string, version = '1.1') => `GET ${path} HTTP/${version}\r\n${fields}\r\n`;

export const CORPUS: readonly AmbiguousCase[] = [
  // The target and its authority.
  { name: 'no Host in HTTP/1.1', rule: 'RFC 9112 §3.2', request: (p) => get(p, ''), status: 400, layer: 'node' },
  { name: 'two Host fields', rule: 'RFC 9112 §3.2', request: (p, h) => get(p, `Host: ${h}\r\nHost: b\r\n`), status: 400, layer: 'kit' },
  { name: 'a Host value with a space', rule: 'RFC 9112 §3.2', request: (p, h) => get(p, `Host: ${h} b\r\n`), status: 400, layer: 'kit' },
  {
    name: 'a Host value with userinfo',
    rule: 'RFC 9110 §4.2.4',
    request: (p, h) => get(p, `Host: user@${h}\r\n`),
    status: 400,
    layer: 'kit',
  },
  { name: 'an empty Host', rule: 'RFC 9110 §4.2.1', request: (p) => get(p, 'Host: \r\n'), status: 400, layer: 'kit' },
  {
    name: 'a Host port that is not digits',
    rule: 'RFC 9112 §3.2',
    request: (p, h) => get(p, `Host: ${h}:80x\r\n`),
    status: 400,
    layer: 'kit',
  },
  {
    name: 'an absolute-form target whose authority disagrees with Host',
    rule: 'RFC 9112 §3.2.2',
    request: (p, h) => get(`http://elsewhere${p}`, `Host: ${h}\r\n`),
    status: 400,
    layer: 'kit',
  },
  { name: 'asterisk-form with GET', rule: 'RFC 9112 §3.2.4', request: (_p, h) => get('*', `Host: ${h}\r\n`), status: 400, layer: 'kit' },
  {
    name: 'authority-form with GET',
    rule: 'RFC 9112 §3.2.3',
    request: (_p, h) => get('a:80', `Host: ${h}\r\n`),
    status: 400,
    layer: 'node',
  },
  {
    name: 'whitespace inside the target',
    rule: 'RFC 9112 §3.2',
    request: (p, h) => get(`${p} x`, `Host: ${h}\r\n`),
    status: 400,
    layer: 'node',
  },
  {
    name: 'HTTP/2.0 in an HTTP/1 request line',
    rule: 'RFC 9110 §15.6.6',
    request: (p, h) => get(p, `Host: ${h}\r\n`, '2.0'),
    status: 505,
    layer: 'kit',
  },
  // Repeated singleton fields.
  {
    name: 'two Content-Type fields',
    rule: 'RFC 9110 §8.3',
    request: (p, h) => get(p, `Host: ${h}\r\nContent-Type: text/plain\r\nContent-Type: application/json\r\n`),
    status: 400,
    layer: 'kit',
  },
  {
    name: 'two Authorization fields',
    rule: 'RFC 9110 §11.6.2',
    request: (p, h) => get(p, `Host: ${h}\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n`),
    status: 400,
    layer: 'kit',
  },
  // Message framing: Content-Length and Transfer-Encoding.
  {
    name: 'Content-Length and Transfer-Encoding together',
    rule: 'RFC 9112 §6.1',
    request: (p, h) => `${get(p, `Host: ${h}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n`)}0\r\n\r\n`,
    status: 400,
    layer: 'node',
  },
  {
    name: 'two Content-Length fields that differ',
    rule: 'RFC 9112 §6.3',
    request: (p, h) => `${get(p, `Host: ${h}\r\nContent-Length: 1\r\nContent-Length: 2\r\n`)}ab`,
    status: 400,
    layer: 'node',
  },
  {
    name: 'two equal Content-Length fields',
    rule: 'RFC 9112 §6.3',
    request: (p, h) => `${get(p, `Host: ${h}\r\nContent-Length: 2\r\nContent-Length: 2\r\n`)}ab`,
    status: 400,
    layer: 'node',
  },
  {
    name: 'a Content-Length list',
    rule: 'RFC 9110 §8.6',
    request: (p, h) => `${get(p, `Host: ${h}\r\nContent-Length: 2, 2\r\n`)}ab`,
    status: 400,
    layer: 'node',
  },
  {
    name: 'a signed Content-Length',
    rule: 'RFC 9110 §8.6',
    request: (p, h) => `${get(p, `Host: ${h}\r\nContent-Length: +2\r\n`)}ab`,
    status: 400,
    layer: 'node',
  },
  {
    name: 'chunked applied twice',
    rule: 'RFC 9112 §7',
    request: (p, h) => `${get(p, `Host: ${h}\r\nTransfer-Encoding: chunked, chunked\r\n`)}0\r\n\r\n`,
    status: 400,
    layer: 'node',
  },
  {
    name: 'a Transfer-Encoding whose final coding is not chunked',
    rule: 'RFC 9112 §6.3',
    request: (p, h) => `${get(p, `Host: ${h}\r\nTransfer-Encoding: gzip\r\n`)}abc`,
    status: 400,
    layer: 'kit',
  },
  {
    name: 'a transfer coding other than chunked',
    rule: 'RFC 9112 §6.1',
    request: (p, h) => `${get(p, `Host: ${h}\r\nTransfer-Encoding: gzip, chunked\r\n`)}0\r\n\r\n`,
    status: 501,
    layer: 'kit',
  },
  {
    name: 'Transfer-Encoding in an HTTP/1.0 request',
    rule: 'RFC 9112 §6.1',
    request: (p, h) => `${get(p, `Host: ${h}\r\nTransfer-Encoding: chunked\r\n`, '1.0')}0\r\n\r\n`,
    status: 400,
    layer: 'kit',
  },
  {
    name: 'a chunked body with a chunk size that is not hex, on GET',
    rule: 'RFC 9110 §9.3.1',
    request: (p, h) => `${get(p, `Host: ${h}\r\nTransfer-Encoding: chunked\r\n`)}zz\r\nabc\r\n0\r\n\r\n`,
    status: 400,
    layer: 'kit',
  },
  // Field syntax.
  {
    name: 'an obs-fold continuation line',
    rule: 'RFC 9112 §5.2',
    request: (p, h) => get(p, `Host: ${h}\r\nX-A: b\r\n c\r\n`),
    status: 400,
    layer: 'node',
  },
  {
    name: 'whitespace between field name and colon',
    rule: 'RFC 9112 §5.1',
    request: (p, h) => get(p, `Host: ${h}\r\nX-A : b\r\n`),
    status: 400,
    layer: 'node',
  },
  {
    name: 'a bare CR inside a field value',
    rule: 'RFC 9112 §2.2',
    request: (p, h) => get(p, `Host: ${h}\r\nX-A: b\rX-B: c\r\n`),
    status: 400,
    layer: 'node',
  },
  {
    name: 'a NUL inside a field value',
    rule: 'RFC 9110 §5.5',
    request: (p, h) => get(p, `Host: ${h}\r\nX-A: b\0c\r\n`),
    status: 400,
    layer: 'node',
  },
  {
    name: 'a field name that is not a token',
    rule: 'RFC 9110 §5.1',
    request: (p, h) => get(p, `Host: ${h}\r\nX@A: b\r\n`),
    status: 400,
    layer: 'node',
  },
  {
    name: 'bare LF line endings',
    rule: 'RFC 9112 §2.2',
    request: (p, h) => `GET ${p} HTTP/1.1\nHost: ${h}\n\n`,
    status: 400,
    layer: 'node',
  },
];

/** The kit's answer body names the reason and the rule; anything else that refuses is Node's parser. */
export function layerOf(text: string): Layer {
  return /\r\n\r\nbad request: .+ \(RFC \d+ section [\d.]+\)\n$/.test(text) ? 'kit' : 'node';
}
