/**
 * The rows this worker holds: pixels (uint8) and scaled targets of some
 * training and validation rows, by their index in the coordinator's parts.
 */
import { IMAGE_PIXELS } from '@kfkd/data';
import type { PartName } from '@kfkd/proto';
import { MissingRowsError } from './errors.ts';

interface Row {
  readonly pixels: Uint8Array;
  readonly targets: Float32Array;
}

export class ShardStore {
  private readonly parts: Record<PartName, Map<number, Row>> = { train: new Map(), valid: new Map() };

  constructor(private readonly outputs: number) {}

  size(part: PartName): number {
    return this.parts[part].size;
  }

  /** Adds rows; `pixels` is rows x 9216, `targets` rows x outputs. @throws RangeError on sizes that do not match */
  add(part: PartName, rows: readonly number[], pixels: Uint8Array, targets: Float32Array): void {
    if (pixels.length !== rows.length * IMAGE_PIXELS) throw new RangeError(`${rows.length} rows with ${pixels.length} pixel bytes`);
    if (targets.length !== rows.length * this.outputs) throw new RangeError(`${rows.length} rows with ${targets.length} targets`);
    rows.forEach((r, i) => {
      this.parts[part].set(r, {
        pixels: pixels.slice(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS),
        targets: targets.slice(i * this.outputs, (i + 1) * this.outputs),
      });
    });
  }

  drop(part: PartName, rows: readonly number[]): void {
    for (const r of rows) this.parts[part].delete(r);
  }

  /** The given rows as one contiguous batch. @throws MissingRowsError */
  batch(part: PartName, rows: readonly number[]): { pixels: Uint8Array; targets: Float32Array } {
    const pixels = new Uint8Array(rows.length * IMAGE_PIXELS);
    const targets = new Float32Array(rows.length * this.outputs);
    rows.forEach((r, i) => {
      const row = this.parts[part].get(r);
      if (!row) throw new MissingRowsError(part, r);
      pixels.set(row.pixels, i * IMAGE_PIXELS);
      targets.set(row.targets, i * this.outputs);
    });
    return { pixels, targets };
  }
}
