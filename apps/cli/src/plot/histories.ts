/**
 * Reads the epoch histories of training runs for plotting: each argument is a
 * run directory (holding history.jsonl) or a history file itself.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, normalize, resolve } from 'node:path';
import { HISTORY_FILE, parseHistory, type EpochRecord } from '@kfkd/model/history';
import { PlotInputError } from './errors.ts';

export interface RunHistory {
  /** Label of the run in the legend: its directory's name, made unique among the runs plotted. */
  readonly name: string;
  /** The history file that was read. */
  readonly file: string;
  readonly records: readonly EpochRecord[];
}

/**
 * Reads one history per argument, in order. Runs whose directory names clash
 * (two `net1` from different parents) are labelled with the path as given;
 * the same run named twice is numbered.
 * @throws PlotInputError for a missing path, a directory without history, a corrupt or an empty history
 */
export async function loadRunHistories(paths: readonly string[]): Promise<RunHistory[]> {
  const runs = await Promise.all(paths.map(loadRunHistory));
  return uniqueNames(runs, paths);
}

async function loadRunHistory(path: string): Promise<RunHistory> {
  const info = await stat(path).catch((error: unknown) => {
    if (isNoEntry(error)) throw new PlotInputError(path, 'no such run directory or history file', { cause: error });
    throw error;
  });
  const file = info.isDirectory() ? join(path, HISTORY_FILE) : path;
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    if (isNoEntry(error)) throw new PlotInputError(path, `no ${HISTORY_FILE} here: not a training run directory, or its training has not started`, { cause: error });
    throw error;
  });
  let records: EpochRecord[];
  try {
    records = parseHistory(text, file);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // parseHistory's messages read `file:line: problem`; keep that location.
    const located = /^(.*:\d+): (.*)$/.exec(error.message);
    throw new PlotInputError(located?.[1] ?? file, `corrupt history: ${located?.[2] ?? error.message}`, { cause: error });
  }
  if (records.length === 0) throw new PlotInputError(file, 'the history is empty: no epoch has finished yet');
  return { name: runName(path, info.isDirectory()), file, records };
}

/** The run directory's name: `runs/net1` and `runs/net1/history.jsonl` are both `net1`; `other.jsonl` is `other`. */
function runName(path: string, isDirectory: boolean): string {
  const absolute = resolve(path);
  if (isDirectory) return basename(absolute);
  if (basename(absolute) === HISTORY_FILE) return basename(dirname(absolute));
  return basename(absolute, extname(absolute));
}

/** The run as the user named it, tidied: `runs/net1/`, `runs/./net1/history.jsonl` are `runs/net1`. */
function longName(path: string): string {
  const tidy = normalize(path).replace(/(.)\/+$/, '$1');
  return basename(tidy) === HISTORY_FILE ? dirname(tidy) : tidy;
}

function uniqueNames(runs: readonly RunHistory[], paths: readonly string[]): RunHistory[] {
  const count = (names: readonly string[], name: string): number => names.filter((n) => n === name).length;
  const short = runs.map((run) => run.name);
  const chosen = runs.map((run, i) => (count(short, run.name) > 1 ? longName(paths[i]) : run.name));
  // The same path given twice still clashes: number the repeats.
  const labels = chosen.map((name, i) => (count(chosen.slice(0, i), name) > 0 ? `${name} (${count(chosen.slice(0, i), name) + 1})` : name));
  return runs.map((run, i) => ({ ...run, name: labels[i] }));
}

function isNoEntry(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
