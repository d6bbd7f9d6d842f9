import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { expect, it } from 'vitest';
import { RECEIVE_WINDOW_BYTES, startServer, stopServer } from './server.ts';

it("opens a 64 MiB HTTP/2 receive window on every worker connection (grpc-js has no option for it)", async () => {
  const { server, port } = await startServer('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), () => undefined);
  const client = http2.connect(`http://127.0.0.1:${port}`);
  try {
    // The server's SETTINGS come first with the defaults, then ours.
    const windowSize = await new Promise<number | undefined>((resolve, reject) => {
      client.on('error', reject);
      client.on('remoteSettings', (settings) => {
        if (settings.initialWindowSize !== 65535) resolve(settings.initialWindowSize);
      });
      setTimeout(() => resolve(client.remoteSettings.initialWindowSize), 2000);
    });
    expect(windowSize).toBe(RECEIVE_WINDOW_BYTES);
  } finally {
    client.close();
    await stopServer(server, 0);
  }
});
