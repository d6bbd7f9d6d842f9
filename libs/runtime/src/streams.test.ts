import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeInOrder } from './streams.ts';

/** An object-mode stream that holds one message at a time and takes `msPerMessage` to consume each. */
function slowSink(msPerMessage: number): { stream: Writable; received: number[] } {
  const received: number[] = [];
  const stream = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(message: number, _encoding, done) {
      setTimeout(() => {
        received.push(message);
        done();
      }, msPerMessage);
    },
  });
  return { stream, received };
}

describe('writeInOrder', () => {
  it('hands every message over in order, waiting for drain when the buffer is full', async () => {
    const { stream, received } = slowSink(1);
    const messages = Array.from({ length: 20 }, (_, i) => i);
    await writeInOrder(stream, messages);
    await new Promise<void>((resolve) => stream.end(resolve));
    expect(received).toEqual(messages);
  });

  it('stops at a stream destroyed while it waits, without writing the rest', async () => {
    const { stream, received } = slowSink(5);
    const writing = writeInOrder(stream, Array.from({ length: 20 }, (_, i) => i));
    setTimeout(() => stream.destroy(), 12);
    await writing;
    expect(received.length).toBeLessThan(20);
    expect(stream.writableLength).toBeLessThanOrEqual(2);
  });
});
