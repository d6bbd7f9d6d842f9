/** Structured log lines on stderr: a constant message plus key=value fields. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function stderrLogger(component: string): Logger {
  const line = (level: string, message: string, fields: LogFields = {}): void => {
    const parts = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`);
    process.stderr.write(`[${component}] ${level === 'info' ? '' : level + ': '}${message}${parts.length ? ' ' + parts.join(' ') : ''}\n`);
  };
  return {
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
  };
}

/** Collects lines, for tests. */
export function memoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const add = (m: string, f?: LogFields): void => void lines.push(`${m} ${JSON.stringify(f ?? {})}`);
  return { lines, info: add, warn: add, error: add };
}
