/** Loopback ports for tests that start servers on a port chosen beforehand. */
import { createServer } from 'node:net';

/** A free loopback port (bound and released: a tiny race, fine for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
