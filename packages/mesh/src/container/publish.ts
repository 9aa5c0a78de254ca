// Makes the mesh's loopback ports reachable through the container's own addresses, where Docker and Podman publish.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * The container's addresses a published port arrives on: every address but loopback and link-local. Read before the
 * mesh makes its own links (the host leg of the pods' bridge), so those are never listened on.
 */
export function publishAddresses(interfaces = networkInterfaces()): string[] {
  return Object.values(interfaces)
    .flat()
    .filter((address) => address && !address.internal && !address.address.startsWith('fe80:'))
    .map((address) => address!.address);
}

function pipeBoth(client: Socket, port: number): void {
  const upstream = connect(port, '127.0.0.1');
  // Either side failing or closing ends both: a half-dead pair would hold the client's connection open for nothing.
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end).on('close', end);
  upstream.on('error', end).on('close', end);
  client.pipe(upstream);
  upstream.pipe(client);
}

/**
 * One TCP forwarder per address and port, to the same port on 127.0.0.1, where the mesh's edge, view and trace UIs
 * listen (as on a host, where they are loopback-only on purpose). Resolves once all listen; `close` stops them.
 */
export async function publishPorts(addresses: readonly string[], ports: readonly number[]): Promise<{ close(): Promise<void> }> {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  for (const address of addresses) {
    for (const port of ports) {
      const server = createServer((client) => {
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        pipeBoth(client, port);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error: Error) => reject(new Error(`cannot publish ${address}:${port}: ${error.message}`)));
        server.listen({ host: address, port }, resolve);
      });
      servers.push(server);
    }
  }
  return {
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
