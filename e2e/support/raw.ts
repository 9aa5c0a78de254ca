// Raw HTTP/1.1 over a TCP socket, for input no well-behaved client would send (bad framing, huge headers, slow bytes).
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** Status from the response line, or undefined if the server closed without one. */
  readonly status: number | undefined;
  readonly text: string;
}

/** Send bytes, read until the server closes or `settleMs` passes without new data; bounded by `timeoutMs`. */
export function rawRequest(port: number, payload: string | Buffer, timeoutMs = 5000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let data = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve({ status: match ? Number(match[1]) : undefined, text: data });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      // One full response is enough: headers plus a body of the announced length.
      const head = data.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(data);
      if (head >= 0 && length && data.length >= head + 4 + Number(length[1])) finish();
    });
    socket.on('end', finish);
    socket.on('error', (error) => (data ? finish() : reject(error)));
  });
}

/** A slowloris client: opens a request and drips a header byte every `everyMs`; resolves when the server cuts it off. */
export function slowloris(port: number, everyMs = 200, giveUpMs = 20_000): Promise<{ cutOffAfterMs: number; text: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let drip: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      clearInterval(drip);
      socket.destroy();
      reject(new Error(`server still holding the slow request after ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('connect', () => {
      socket.write('GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: ');
      drip = setInterval(() => socket.writable && socket.write('a'), everyMs);
    });
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    const done = () => {
      clearInterval(drip);
      clearTimeout(giveUp);
      resolve({ cutOffAfterMs: Date.now() - started, text });
    };
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
}

export interface RawExchange extends RawAnswer {
  /** True when the server closed the connection (it must, after refusing a request it cannot frame). */
  readonly closedByServer: boolean;
}

/**
 * Send bytes and wait for the server to close the connection, for at most `timeoutMs` (then `closedByServer` is false).
 * Unlike rawRequest this never closes first, so a server that answers but keeps the connection is seen doing so.
 */
export function rawExchange(port: number, payload: string | Buffer, timeoutMs = 3000, address = '127.0.0.1'): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, address);
    let data = '';
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve({ status: match ? Number(match[1]) : undefined, text: data, closedByServer });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (error) => (data ? finish(true) : reject(error)));
  });
}
