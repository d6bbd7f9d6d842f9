/** The grpc-js floor's worker for `bench sync` (see grpc-floor.ts): argv = port bytes. */
import * as grpc from '@grpc/grpc-js';
import { preferThroughputGc, writeInOrder } from '@kfkd/runtime';
import { WORKER_CHANNEL_OPTIONS } from '@kfkd/worker';
import { FLOOR_SERVICE, floorMessages } from './grpc-floor.ts';

preferThroughputGc(); // as `kfkd worker` does
const [port, bytes] = process.argv.slice(2).map(Number);
const Client = grpc.makeGenericClientConstructor(FLOOR_SERVICE, 'Floor');
const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), WORKER_CHANNEL_OPTIONS) as unknown as {
  Down(request: Buffer): grpc.ClientReadableStream<Buffer>;
  Up(callback: (error: grpc.ServiceError | null) => void): grpc.ClientWritableStream<Buffer>;
};
const answer = floorMessages(Buffer.alloc(bytes, 2));
const down = client.Down(Buffer.alloc(0));
let received = 0;
down.on('data', (message: Buffer) => {
  received += message.length;
  if (received < bytes) return;
  received -= bytes;
  const up = client.Up((error) => {
    if (error) console.error(`floor peer: ${error.message}`);
  });
  void writeInOrder(up, answer).then(() => up.end());
});
down.on('error', () => process.exit(0));
down.on('end', () => process.exit(0));
