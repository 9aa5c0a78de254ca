// The kernel's count of connection attempts dropped because a listen queue was full (/proc/net/netstat), machine-wide.
import { readFileSync } from 'node:fs';

/**
 * TcpExt's ListenOverflows from /proc/net/netstat: a header line of names, then one of values. A dropped SYN is sent
 * again by the client after 1 s, so each one is a request that waits a second before the server even sees it.
 */
export function parseListenOverflows(netstat: string): number {
  const [names, values] = netstat
    .split('\n')
    .filter((line) => line.startsWith('TcpExt:'))
    .map((line) => line.split(/\s+/));
  const index = names?.indexOf('ListenOverflows') ?? -1;
  const value = Number(values?.[index]);
  if (index < 0 || !Number.isFinite(value)) throw new Error('no TcpExt ListenOverflows in /proc/net/netstat');
  return value;
}

export const listenOverflows = (): number => parseListenOverflows(readFileSync('/proc/net/netstat', 'utf8'));
