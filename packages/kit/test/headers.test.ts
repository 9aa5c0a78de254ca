// Header propagation: what crosses a hop, what the edge adds, and which values are never forwarded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_PROPAGATED_HEADERS,
  namesToCopy,
  propagatedHeaders,
  requestIdFrom,
  safeHeaderValue,
  TRACE_HEADERS,
} from '../src/headers.ts';

const names = DEFAULT_PROPAGATED_HEADERS;

describe('propagatedHeaders', () => {
  it('forwards every trace and routing header of the tutorial, plus the request id', () => {
    const incoming = Object.fromEntries(names.map((name) => [name, `value-of-${name}`]));
    const out = propagatedHeaders(incoming, { names, requestId: 'rid-1', edge: false });
    for (const name of names) assert.equal(out[name], `value-of-${name}`, name);
    assert.equal(out['x-request-id'], 'rid-1');
  });

  it('drops headers that are not on the list', () => {
    const out = propagatedHeaders({ cookie: 'a=b', host: 'x', 'x-custom': '1', user: 'jason' }, { names, requestId: 'r', edge: false });
    assert.deepEqual(out, { user: 'jason', 'x-request-id': 'r' });
  });

  it('at the edge, sets baggage-user-agent from user-agent and ignores one sent from outside', () => {
    const out = propagatedHeaders(
      { 'user-agent': 'Mozilla/5.0 Safari', 'baggage-user-agent': 'spoofed' },
      { names, requestId: 'r', edge: true },
    );
    assert.equal(out['baggage-user-agent'], 'Mozilla/5.0 Safari');
    assert.equal(out['user-agent'], 'Mozilla/5.0 Safari');
    const none = propagatedHeaders({ 'baggage-user-agent': 'spoofed' }, { names, requestId: 'r', edge: true });
    assert.equal(none['baggage-user-agent'], undefined);
  });

  it('past the edge, forwards baggage-user-agent as it came', () => {
    const out = propagatedHeaders({ 'baggage-user-agent': 'Firefox' }, { names, requestId: 'r', edge: false });
    assert.equal(out['baggage-user-agent'], 'Firefox');
  });

  it('leaves out the names a tracer owns', () => {
    const out = propagatedHeaders(
      { traceparent: '00-abc', user: 'u' },
      { names: namesToCopy(names, new Set(TRACE_HEADERS)), requestId: 'r', edge: false },
    );
    assert.equal(out.traceparent, undefined);
    assert.equal(out.user, 'u');
  });

  it('never forwards a value with CR, LF or other control characters', () => {
    const out = propagatedHeaders(
      { user: 'a\r\nx-injected: 1', 'end-user': 'b\nc', authorization: 'Bearer\u0000x', 'user-preference': 'ok' },
      { names, requestId: 'r', edge: false },
    );
    assert.deepEqual(out, { 'user-preference': 'ok', 'x-request-id': 'r' });
  });
});

describe('safeHeaderValue', () => {
  it('joins repeated headers and refuses oversized values', () => {
    assert.equal(safeHeaderValue(['a', 'b']), 'a, b');
    assert.equal(safeHeaderValue('x'.repeat(5000)), undefined);
  });
});

describe('requestIdFrom', () => {
  it('keeps a well-formed incoming x-request-id', () => {
    assert.equal(requestIdFrom({ 'x-request-id': 'a1b2-c3.d4:e5' }), 'a1b2-c3.d4:e5');
  });

  it('replaces a missing, huge or malformed one with a fresh UUID', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    assert.match(requestIdFrom({}), uuid);
    assert.match(requestIdFrom({ 'x-request-id': 'x'.repeat(129) }), uuid);
    assert.match(requestIdFrom({ 'x-request-id': 'a b<script>' }), uuid);
    assert.notEqual(requestIdFrom({}), requestIdFrom({}));
  });
});
