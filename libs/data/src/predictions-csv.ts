import { writeFileAtomically } from './atomic-write.ts';
import { formatPixelCoordinate } from './pixel-coordinate.ts';
import type { PredictionTable } from './submission.ts';

/** `ImageId,<columns...>`, one row per image, coordinates in pixels clipped to [0, 96]. */
export function formatPredictionsCsv(predictions: PredictionTable): string {
  const { imageIds, columns, values } = predictions;
  const width = columns.length;
  if (values.length !== imageIds.length * width) {
    throw new RangeError(`predictions hold ${values.length} values, expected ${imageIds.length} images x ${width} columns`);
  }
  const lines = [['ImageId', ...columns].join(',')];
  for (let r = 0; r < imageIds.length; r++) {
    const row = [String(imageIds[r])];
    for (let c = 0; c < width; c++) {
      const v = values[r * width + c];
      row.push(Number.isNaN(v) ? '' : formatPixelCoordinate(v));
    }
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

/** Writes the predictions CSV atomically (see writeFileAtomically). */
export async function writePredictionsCsv(file: string, predictions: PredictionTable): Promise<void> {
  await writeFileAtomically(file, formatPredictionsCsv(predictions));
}
