/** Where in a data file a problem was found. */
export interface DataLocation {
  /** The path as the caller gave it. */
  readonly file: string;
  /** 1-based physical line, or null when the problem is not on one line (e.g. the file cannot be opened). */
  readonly line: number | null;
  /** The column name (e.g. `Image`, `left_eye_center_x`), or null when no single column is at fault. */
  readonly column: string | null;
}

/**
 * A data file (training.csv, test.csv, IdLookupTable.csv) that cannot be read
 * or does not hold what it should. The message reads like a compiler error,
 * `training.csv:12: column Image: expected 9216 pixels, found 9215`, so a user
 * can jump straight to the bad spot; the fields give the same facts to code.
 */
export class DataFormatError extends Error implements DataLocation {
  readonly file: string;
  readonly line: number | null;
  readonly column: string | null;
  /** The problem alone, without the location prefix. */
  readonly detail: string;

  constructor(where: DataLocation, detail: string, options?: { cause?: unknown }) {
    super(formatLocation(where) + detail, options);
    this.name = 'DataFormatError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.detail = detail;
  }
}

function formatLocation({ file, line, column }: DataLocation): string {
  return `${file}${line === null ? '' : `:${line}`}: ${column === null ? '' : `column ${column}: `}`;
}

/**
 * The candidate closest to `name` by edit distance (case-insensitive), or
 * undefined when none is close enough to be a plausible misspelling.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  // Allow about one edit in three characters, and always at least two.
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = editDistance(wanted, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** " (did you mean X?)" when a close candidate exists, else "". */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const suggestion = closestName(name, candidates);
  return suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
}
