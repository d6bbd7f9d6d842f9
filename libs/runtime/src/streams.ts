/** Writing a sequence of messages to a stream (a gRPC call, or any Node Writable) as fast as it takes them. */

/** What writeInOrder needs of a stream: Node's Writable, or a grpc-js call. */
export interface MessageSink<T> {
  readonly destroyed: boolean;
  write(message: T): boolean;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Writes `messages` in order, waiting for 'drain' whenever the stream's buffer
 * is full. Resolves once all are handed to the stream, or as soon as it is
 * closed or destroyed (the rest is not written). Does not end the stream.
 */
export async function writeInOrder<T>(stream: MessageSink<T>, messages: Iterable<T>): Promise<void> {
  for (const message of messages) {
    if (stream.destroyed) return;
    if (stream.write(message)) continue;
    await new Promise<void>((resolve) => {
      const go = (): void => {
        stream.off('drain', go);
        stream.off('close', go);
        resolve();
      };
      stream.on('drain', go);
      stream.on('close', go);
    });
  }
}
