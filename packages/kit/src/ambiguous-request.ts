// Requests whose framing or target is ambiguous are refused before any route sees them: the RFC 9110/9112 cases Node's parser lets through.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** Why a request is refused: the answer's status, a one-line reason, and the rule it breaks. */
export interface Refusal {
  readonly status: 400 | 501 | 505;
  readonly reason: string;
  readonly rule: string;
}

// RFC 3986's host (reg-name or IPv4, or an IP literal in brackets) and an optional port of at most five digits; what
// RFC 9112 §3.2 asks of a Host field value. No userinfo: RFC 9110 §4.2.4 forbids it in http(s) URIs.
const HOST_VALUE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::\d{0,5})?$/;

const refuse = (status: Refusal['status'], reason: string, rule: string): Refusal => ({ status, reason, rule });

/** The fields the RFCs allow once only (and that Node does not already refuse when repeated), by lower-case name. */
const SINGLETONS: Readonly<Record<string, string>> = {
  host: 'RFC 9112 §3.2',
  'content-type': 'RFC 9110 §8.3',
  authorization: 'RFC 9110 §11.6.2',
};

/** The one Host value, or a refusal when there are several; Transfer-Encoding's values joined (Node joins them too). */
function scanFields(raw: readonly string[]): Refusal | { host?: string; transferEncoding?: string; contentLength?: string } {
  let host: string | undefined;
  let transferEncoding: string | undefined;
  let contentLength: string | undefined;
  const seen: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'transfer-encoding') transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
    else if (name === 'content-length') contentLength = value;
    const rule = SINGLETONS[name];
    if (rule === undefined) continue;
    if (seen.includes(name)) return refuse(400, `more than one ${raw[i]} field`, rule);
    seen.push(name);
    if (name === 'host') host = value;
  }
  return { host, transferEncoding, contentLength };
}

/** The target's own authority when it is in absolute-form (`GET http://host/ HTTP/1.1`), else undefined. */
function absoluteAuthority(url: string): string | undefined {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url);
  return match?.[1];
}

/** The transfer codings a request may use here: chunked alone; anything else is refused (RFC 9112 §6.1, §6.3). */
function framing(request: IncomingMessage, transferEncoding: string | undefined, contentLength: string | undefined): Refusal | undefined {
  if (transferEncoding !== undefined) {
    if (request.httpVersionMinor === 0 && request.httpVersionMajor === 1) {
      return refuse(400, 'Transfer-Encoding in an HTTP/1.0 request', 'RFC 9112 §6.1');
    }
    const codings = transferEncoding.split(',').map((c) => c.trim().toLowerCase());
    if (codings.at(-1) !== 'chunked') return refuse(400, 'Transfer-Encoding whose final coding is not chunked', 'RFC 9112 §6.3');
    if (codings.length > 1) return refuse(501, `transfer coding ${codings.slice(0, -1).join(', ')} is not supported`, 'RFC 9112 §6.1');
  }
  // No route here takes content with GET or HEAD, and a body some hop ignores and another reads is how requests are
  // smuggled: refused rather than left for the parser to find (or not) after the route has run.
  if (
    (request.method === 'GET' || request.method === 'HEAD') &&
    (transferEncoding !== undefined || (contentLength !== undefined && contentLength !== '0'))
  ) {
    return refuse(400, `content in a ${request.method} request`, 'RFC 9110 §9.3.1');
  }
  return undefined;
}

/** Why this request must be refused, or undefined when nothing about it is ambiguous. */
export function ambiguity(request: IncomingMessage): Refusal | undefined {
  if (request.httpVersionMajor !== 1) return refuse(505, `HTTP/${request.httpVersion} on an HTTP/1 connection`, 'RFC 9110 §15.6.6');
  const fields = scanFields(request.rawHeaders);
  if ('status' in fields) return fields;
  const { host, transferEncoding, contentLength } = fields;
  // Node already refuses an HTTP/1.1 request without Host; an HTTP/1.0 one may lack it.
  if (host !== undefined && !HOST_VALUE.test(host)) return refuse(400, 'a Host field that is not host[:port]', 'RFC 9112 §3.2');
  const url = request.url ?? '';
  if (url === '*' && request.method !== 'OPTIONS') return refuse(400, `asterisk-form target with ${request.method}`, 'RFC 9112 §3.2.4');
  const authority = absoluteAuthority(url);
  if (authority !== undefined && host !== undefined && authority.toLowerCase() !== host.toLowerCase()) {
    return refuse(400, 'a Host field that disagrees with the absolute-form target', 'RFC 9112 §3.2.2');
  }
  return framing(request, transferEncoding, contentLength);
}

/** Answers a refusal and closes the connection: what follows on it can no longer be framed with confidence. */
function answer(response: ServerResponse, refusal: Refusal): void {
  // ASCII on the wire: "§" would reach a client reading bytes as Latin-1 as two characters.
  const body = `bad request: ${refusal.reason} (${refusal.rule.replace('§', 'section ')})\n`;
  response.shouldKeepAlive = false;
  response.writeHead(refusal.status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
  // The parser goes on with the bytes after the head (the body it cannot frame) and would answer them as a second,
  // broken request: ending the socket now makes it unwritable, so nothing else goes out. Only when this answer went
  // straight to the socket; one queued behind a pipelined request's answer is closed after it by Connection: close.
  response.socket?.end();
}

/** A request listener that refuses ambiguous requests and hands every other one to `next`. */
export function refusingAmbiguous(next: RequestListener): RequestListener {
  return (request, response) => {
    const refusal = ambiguity(request);
    if (refusal) answer(response, refusal);
    else next(request, response);
  };
}
