/**
 * Structured log lines on stderr for the long-running processes
 * (coordinator, workers): a constant message plus key=value fields, prefixed
 * with the component. Debug lines (e.g. one per applied step) are shown only
 * when KFKD_LOG_LEVEL=debug.
 */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** The environment variable that turns debug lines on (`debug`); anything else keeps them off. */
export const LOG_LEVEL_ENV = 'KFKD_LOG_LEVEL';

/** One log line, as stderrLogger writes it (without the newline). */
export function formatLogLine(component: string, level: LogLevel, message: string, fields: LogFields = {}): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`);
  const prefix = level === 'info' ? '' : `${level}: `;
  return `[${component}] ${prefix}${message}${parts.length ? ' ' + parts.join(' ') : ''}`;
}

export function stderrLogger(component: string, env: NodeJS.ProcessEnv = process.env): Logger {
  const debugOn = env[LOG_LEVEL_ENV]?.trim().toLowerCase() === 'debug';
  const line = (level: LogLevel) => (message: string, fields?: LogFields) => void process.stderr.write(formatLogLine(component, level, message, fields) + '\n');
  return {
    debug: debugOn ? line('debug') : () => undefined,
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
  };
}

/** Collects lines (debug included), for tests. */
export function memoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const add = (m: string, f?: LogFields): void => void lines.push(`${m} ${JSON.stringify(f ?? {})}`);
  return { lines, debug: add, info: add, warn: add, error: add };
}
