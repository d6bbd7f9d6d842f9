/** @kfkd/runtime: what the long-running processes (coordinator, workers, dashboard) share: structured logging, garbage-collection settings, writing messages to a stream, reconnection backoff. */
export { Backoff, type BackoffOptions, backoffDelay } from './backoff.ts';
export { THROUGHPUT_GC_FLAG, preferThroughputGc } from './gc.ts';
export { type MessageSink, writeInOrder } from './streams.ts';
export { LOG_LEVEL_ENV, type LogFields, type LogLevel, type Logger, formatLogLine, memoryLogger, stderrLogger } from './log.ts';
