/**
 * The one way kfkd replaces a file on disk, so that a reader, or a crash,
 * sees the old contents or the new, never half of them: the new contents go
 * to a temporary file in the same directory under an unpredictable name,
 * are fsynced, renamed over the target, and the directory is fsynced so the
 * rename itself survives a power cut. On any failure the temporary file is
 * removed and the target is as it was.
 *
 * Its users: the CSV writers and the submission (this package), the run
 * directory's config.json and the saved model's files (libs/model), the
 * checkpoint (apps/coordinator), the plot and the credentials (apps/cli).
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * What goes into a file: text (UTF-8), bytes, byte chunks in order, or a
 * writer given the open file (output streamed rather than held in memory).
 */
export type FileContents = string | Uint8Array | readonly Uint8Array[] | ((file: FileHandle) => Promise<void>);

export interface DurableWriteOptions {
  /** Permission bits of a new file, less the umask (default 0o666); 0o600 for a private key. */
  readonly mode?: number;
}

export interface AtomicWriteOptions extends DurableWriteOptions {
  /**
   * Runs once the new contents are on disk, just before they replace the
   * target; a failure leaves the target as it was (checkpoint.ts keeps the
   * current file as .prev here).
   */
  readonly beforeReplace?: () => Promise<void>;
}

/**
 * Replaces `file` with `contents` atomically (see the top of this file).
 * A file-system failure is re-thrown naming `file` (not the temporary
 * file), as `cannot write <file>: <reason> (<code>)`, with the `code` (e.g.
 * EACCES, ENOENT for a missing directory) and the original error as `cause`;
 * any other error (one thrown by a writer) is re-thrown as it is.
 */
export async function writeFileAtomically(file: string, contents: FileContents, options: AtomicWriteOptions = {}): Promise<void> {
  // Unpredictable, so no other process can create or link the name first; hidden, and ending in .tmp.
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFileDurably(temporary, contents, { mode: options.mode, exclusive: true });
    await options.beforeReplace?.();
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw namingTarget(error, file);
  }
  await syncDirectory(dirname(file));
}

/**
 * Writes `contents` to `path` and fsyncs it before closing: for files put
 * together in a temporary directory that is then renamed into place whole
 * (the saved model, the credentials folder). Errors are Node's own.
 * @param options.exclusive fail with EEXIST rather than overwrite an existing file
 */
export async function writeFileDurably(path: string, contents: FileContents, options: DurableWriteOptions & { readonly exclusive?: boolean } = {}): Promise<void> {
  const handle = await open(path, options.exclusive ? 'wx' : 'w', options.mode);
  try {
    if (typeof contents === 'function') await contents(handle);
    else if (typeof contents === 'string' || contents instanceof Uint8Array) await handle.writeFile(contents);
    // writeFile on a handle writes from its current position: the chunks follow each other.
    else for (const chunk of contents) await handle.writeFile(chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Fsyncs a directory, so the renames and new entries in it are on disk.
 * Best effort: not every platform can open a directory (Windows), and the
 * rename is atomic without it.
 */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // See above: durability of the entry only, never correctness.
  }
}

/** A file-system error re-worded to name `file`; any other error unchanged. */
function namingTarget(error: unknown, file: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!(error instanceof Error) || typeof code !== 'string') return error;
  // Node's messages read "ENOENT: no such file or directory, open '<temporary>'": keep the middle.
  const reason = /^\w+: ([^,]+)/.exec(error.message)?.[1] ?? error.message;
  return Object.assign(new Error(`cannot write ${file}: ${reason} (${code})`, { cause: error }), { code });
}
