import { InvalidArgumentError, Option } from 'commander';

/**
 * Flag helpers shared by every subcommand. Every flag can also come from an
 * environment variable with the KFKD_ prefix (KFKD_ROWS for --rows), and
 * `--help` shows both the default and the variable.
 */
export function envName(flag: string): string {
  return `KFKD_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

function longFlag(flags: string): string {
  const match = /--[a-z0-9-]+/.exec(flags);
  if (!match) throw new Error(`option ${flags} has no long flag`);
  return match[0];
}

export function integerOption(flags: string, description: string, defaultValue: number | undefined, min = 0): Option {
  const option = new Option(flags, description)
    .env(envName(longFlag(flags)))
    .argParser((raw: string) => {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got '${raw}'`);
      return value;
    });
  return defaultValue === undefined ? option : option.default(defaultValue);
}

export function stringOption(flags: string, description: string, defaultValue?: string): Option {
  const option = new Option(flags, description).env(envName(longFlag(flags)));
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** An argParser for a repeatable flag of comma-separated names: each use adds its names, blanks dropped. */
export function commaSeparatedList(raw: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0)];
}

export function booleanOption(flags: string, description: string): Option {
  return new Option(flags, description).env(envName(longFlag(flags)));
}

export function fractionOption(flags: string, description: string, defaultValue: number): Option {
  return numberOption(flags, description, (v) => v >= 0 && v <= 1, 'a number from 0 to 1').default(defaultValue);
}

export function numberOption(flags: string, description: string, check: (value: number) => boolean, expectation: string): Option {
  return new Option(flags, description).env(envName(longFlag(flags))).argParser((raw: string) => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || !check(value)) throw new InvalidArgumentError(`expected ${expectation}, got '${raw}'`);
    return value;
  });
}
