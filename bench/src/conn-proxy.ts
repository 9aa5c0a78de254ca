// A counting TCP proxy put in front of a downstream: every connection a service opens to it is one accept here.
// Used only for the connection-reuse phase (it adds a hop, so it never sits in a throughput measurement).
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CountingProxy {
  readonly port: number;
  /** Connections accepted since start. */
  readonly accepted: () => number;
  close(): Promise<void>;
}

export async function startCountingProxy(port: number, target: () => number): Promise<CountingProxy> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    accepted += 1;
    const upstream = connect(target(), '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port,
    accepted: () => accepted,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
