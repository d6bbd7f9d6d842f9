/** @kfkd/runtime: what the long-running processes (coordinator, workers) share: structured logging, garbage-collection settings. */
export { THROUGHPUT_GC_FLAG, preferThroughputGc } from './gc.ts';
export { LOG_LEVEL_ENV, type LogFields, type LogLevel, type Logger, formatLogLine, memoryLogger, stderrLogger } from './log.ts';
