/** The raw-TCP ceiling's peer for `bench sync`: receives length-prefixed payloads and answers each with as many bytes. argv = port. */
import { connect } from 'node:net';
import { preferThroughputGc } from '@kfkd/runtime';

preferThroughputGc(); // as every process of the bench

const socket = connect(Number(process.argv[2]), '127.0.0.1');
let header = Buffer.alloc(0);
let remaining = -1;
let expected = 0;
let reply: Buffer | null = null;
socket.on('data', (chunk: Buffer) => {
  let offset = 0;
  while (offset < chunk.length) {
    if (remaining < 0) {
      const need = 4 - header.length;
      header = Buffer.concat([header, chunk.subarray(offset, offset + need)]);
      offset += Math.min(need, chunk.length - offset);
      if (header.length < 4) return;
      expected = remaining = header.readUInt32LE(0);
      header = Buffer.alloc(0);
    }
    const take = Math.min(remaining, chunk.length - offset);
    remaining -= take;
    offset += take;
    if (remaining === 0) {
      if (!reply || reply.length !== expected + 4) {
        reply = Buffer.alloc(expected + 4);
        reply.writeUInt32LE(expected, 0);
      }
      socket.write(reply);
      remaining = -1;
    }
  }
});
socket.on('close', () => process.exit(0));
