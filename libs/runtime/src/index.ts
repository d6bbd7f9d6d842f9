/** @kfkd/runtime: what the long-running processes share (structured logging, the user-facing error base). */
export { LOG_LEVEL_ENV, type LogFields, type LogLevel, type Logger, formatLogLine, memoryLogger, stderrLogger } from './log.ts';
