/**
 * A single status line that rewrites itself on a terminal (progress within a
 * long epoch) and stays silent when output goes to a file or a pipe.
 */
export interface ProgressLine {
  update(text: string): void;
  clear(): void;
}

export function progressLine(stream: NodeJS.WriteStream): ProgressLine {
  if (!stream.isTTY) return { update: () => undefined, clear: () => undefined };
  let shown = false;
  let last = 0;
  return {
    update(text) {
      const now = performance.now();
      if (now - last < 100) return; // a terminal need not redraw more than ~10 times a second
      last = now;
      stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 80) - 1)}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
