/** The history file of a run directory: one JSON object per epoch. */
export const HISTORY_FILE = 'history.jsonl';

/** One row of the tutorial's epoch log, plus what it takes to reproduce it. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean of the epoch's batch losses, dropout on (scaled units, MSE). */
  readonly trainLoss: number;
  /** Mean squared error over the validation rows, dropout off. */
  readonly validLoss: number;
  readonly trainValidRatio: number;
  /** sqrt(validLoss) * 48: the validation RMSE in pixels. */
  readonly validRmsePx: number;
  readonly learningRate: number;
  readonly momentum: number;
  /** Wall-clock duration of the epoch. */
  readonly seconds: number;
}

/** RMSE in pixels of a loss in scaled units (targets are (px - 48) / 48). */
export function rmsePx(loss: number): number {
  return Math.sqrt(loss) * 48;
}

/** History as JSON Lines: one EpochRecord per line, snake_case keys as in the file format. */
export function historyLine(record: EpochRecord): string {
  return (
    JSON.stringify({
      epoch: record.epoch,
      train_loss: record.trainLoss,
      valid_loss: record.validLoss,
      train_valid_ratio: record.trainValidRatio,
      valid_rmse_px: record.validRmsePx,
      lr: record.learningRate,
      momentum: record.momentum,
      seconds: record.seconds,
    }) + '\n'
  );
}

/** Parses a history.jsonl file's text back into records. @throws SyntaxError naming the line */
export function parseHistory(text: string, file = 'history.jsonl'): EpochRecord[] {
  const records: EpochRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError(`${file}:${i + 1}: not a JSON object`);
    const row = parsed as Record<string, unknown>;
    const num = (key: string): number => {
      const v = row[key];
      if (typeof v !== 'number') throw new SyntaxError(`${file}:${i + 1}: field ${key} is missing or not a number`);
      return v;
    };
    records.push({
      epoch: num('epoch'),
      trainLoss: num('train_loss'),
      validLoss: num('valid_loss'),
      trainValidRatio: num('train_valid_ratio'),
      validRmsePx: num('valid_rmse_px'),
      learningRate: num('lr'),
      momentum: num('momentum'),
      seconds: num('seconds'),
    });
  });
  return records;
}
