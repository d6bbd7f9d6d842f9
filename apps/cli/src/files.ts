import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Creates the directory an output file goes into, so `--out runs/x/file.csv` works on a fresh clone. */
export async function ensureParentDir(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
}
