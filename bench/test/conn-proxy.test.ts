// The counting proxy: each connection a client opens is one accept, and bytes flow both ways unchanged.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { test } from 'node:test';
import { freePort } from '@mesh-demo/workspace';
import { startCountingProxy } from '../src/conn-proxy.ts';

test('two client connections are counted as two, and an echo comes back through', async () => {
  const echo = createServer((socket) => socket.pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const proxy = await startCountingProxy(await freePort(), () => (echo.address() as AddressInfo).port);
  try {
    for (const word of ['one', 'two']) {
      const socket = connect(proxy.port, '127.0.0.1');
      socket.write(word);
      const [data] = await once(socket, 'data');
      assert.equal(String(data), word);
      socket.destroy();
    }
    assert.equal(proxy.accepted(), 2);
  } finally {
    await proxy.close();
    echo.close();
  }
});
