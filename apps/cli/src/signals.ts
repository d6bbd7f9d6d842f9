/**
 * The one place that owns Ctrl-C: the first press asks the running job to
 * stop gracefully, a second one quits at once (exit code 130, as shells do).
 */
export function onInterrupt(stopGracefully: () => void): () => void {
  let pressed = false;
  const handler = (): void => {
    if (pressed) process.exit(130);
    pressed = true;
    stopGracefully();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
