// Free loopback ports for tests and benchmarks, so runs never collide with `pnpm start` or each other.
import { createServer } from 'node:net';

// Below Linux's ephemeral range (32768-60999), so no client socket can take a port between our check and the
// service's listen; above the well-known and `pnpm start` ports.
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

/** Whether nothing listens on 127.0.0.1:port now (a listener on 0.0.0.0 counts too: binding would fail). */
export function portIsFree(port: number): Promise<boolean> {
  return portIsFreeOn('127.0.0.1', port);
}

/** Whether nothing listens on host:port now, for a server that binds another address than 127.0.0.1. */
export function portIsFreeOn(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port nobody listens on now and that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port found in ${LOW}-${HIGH}`);
}

/** Several distinct free ports at once. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) ports.push(await freePort());
  return ports;
}
