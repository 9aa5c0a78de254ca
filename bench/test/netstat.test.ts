// The kernel's listen-queue overflow count, read from /proc/net/netstat.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listenOverflows, parseListenOverflows } from '../src/netstat.ts';

test('ListenOverflows is read from the TcpExt values line by its name in the header line', () => {
  const netstat = [
    'TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops',
    'TcpExt: 0 0 1234 1240',
    'IpExt: InNoRoutes InTruncatedPkts',
    'IpExt: 0 0',
  ].join('\n');
  assert.equal(parseListenOverflows(netstat), 1234);
});

test('a netstat without the counter is an error, not a zero', () => {
  assert.throws(() => parseListenOverflows('IpExt: InNoRoutes\nIpExt: 0\n'), /no TcpExt ListenOverflows/);
});

test('this machine reports a count', () => {
  assert.ok(listenOverflows() >= 0);
});
