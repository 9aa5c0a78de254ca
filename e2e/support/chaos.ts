// A misbehaving downstream on 127.0.0.1: garbage, a huge body, a body cut off mid-way, or bytes that are not HTTP.

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';

export type ChaosMode = 'garbage' | 'huge' | 'cut' | 'not-http';

export interface Chaos {
  readonly url: string;
  mode: ChaosMode;
  /** Bytes the server wrote in its last answer: proves a bounded read stopped early. */
  readonly written: () => number;
  close(): Promise<void>;
}

const HUGE = 50 * 1024 * 1024;

export async function chaosServer(): Promise<Chaos> {
  let written = 0;
  const sockets = new Set<Socket>();
  const chaos: Chaos = {
    url: '',
    mode: 'garbage',
    written: () => written,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  // A raw TCP server, because a well-behaved HTTP server cannot be made to break HTTP.
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', () => {
      written = 0;
      const write = (chunk: string | Buffer) => {
        written += chunk.length;
        return socket.write(chunk);
      };
      switch (chaos.mode) {
        case 'garbage':
          write('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 22\r\nConnection: close\r\n\r\n<html>not a chain</html');
          socket.end();
          break;
        case 'huge': {
          write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${HUGE}\r\n\r\n{"chain":[`);
          const block = Buffer.alloc(64 * 1024, 0x20);
          // Stream until the reader hangs up or the whole body is out; backpressure keeps memory flat.
          const pump = () => {
            while (written < HUGE && !socket.destroyed) if (!write(block)) return void socket.once('drain', pump);
            socket.end();
          };
          pump();
          break;
        }
        case 'cut':
          write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"chain":[{"service":"recom');
          setTimeout(() => socket.destroy(), 20);
          break;
        case 'not-http':
          write('SSH-2.0-OpenSSH_9.6\r\n\r\n');
          socket.end();
          break;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(chaos, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return chaos;
}
