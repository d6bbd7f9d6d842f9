import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to a temporary file in the same directory, syncs it and
 * renames it over `file`, so a failure never leaves a half-written file and
 * an existing one stays as it was. A failure names `file` (not the temporary
 * file) and keeps the file system's `code` (e.g. EACCES) for callers.
 */
export async function writeFileAtomically(file: string, text: string | Uint8Array): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    // Node's messages read "ENOENT: no such file or directory, open '<temporary>'": keep the middle.
    const reason = error instanceof Error ? (/^\w+: ([^,]+)/.exec(error.message)?.[1] ?? error.message) : String(error);
    throw Object.assign(new Error(`cannot write ${file}: ${reason}${code ? ` (${code})` : ''}`, { cause: error }), { code });
  }
}
