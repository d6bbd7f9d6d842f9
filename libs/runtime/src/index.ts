/** @kfkd/runtime: what the long-running processes (coordinator, workers) share: structured logging. */
export { LOG_LEVEL_ENV, type LogFields, type LogLevel, type Logger, formatLogLine, memoryLogger, stderrLogger } from './log.ts';
