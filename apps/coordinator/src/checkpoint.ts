/**
 * Checkpoints of a distributed run: exactly the trainer's state (parameters,
 * velocities, schedule position, early stopping, history; the data order and
 * per-step randomness follow from the seed and the position, see
 * step-plan.ts) plus the identity of the run it belongs to.
 *
 * File layout: "KFKDCKPT", uint32 format version, uint32 header length, the
 * header (JSON), zero padding to a multiple of 4, the float32 arrays
 * (parameters, velocity, best weights if any), and the SHA-256 of everything
 * before it. Written atomically (@kfkd/data's writeFileAtomically: a
 * temporary file, fsynced, renamed over the current one, removed on
 * failure); the current one's earlier version stays as `<file>.prev`.
 */
import { createHash } from 'node:crypto';
import { copyFile, link, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '@kfkd/data';
import type { EpochRecord, TrainerState, EarlyStoppingState } from '@kfkd/model';
import { CheckpointCorruptError, CheckpointMismatchError, CheckpointShrinkError } from './errors.ts';

export const CHECKPOINT_FILE = 'checkpoint.kfkd';
const MAGIC = Buffer.from('KFKDCKPT', 'ascii');
const FORMAT_VERSION = 1;
const DIGEST_BYTES = 32;

/** What must match for a checkpoint to be resumed by this run. */
export type RunIdentity = Readonly<Record<string, string | number>>;

/**
 * Fields of the identity that a resumed run may increase but not decrease:
 * more epochs extend training (schedules then span the new total).
 */
export const EXTENDABLE_FIELDS: readonly string[] = ['epochs'];

/** Which checkpoint to resume: the current one, or the one before it (kept as `<file>.prev`). */
export type ResumeFrom = 'latest' | 'previous';

interface Header {
  identity: RunIdentity;
  epoch: number;
  step: number;
  epochLossSum: number;
  epochSeconds: number;
  history: EpochRecord[];
  earlyStopping: EarlyStoppingState | null;
  parameterCount: number;
  hasBestWeights: boolean;
}

export function checkpointPath(runDir: string): string {
  return join(runDir, CHECKPOINT_FILE);
}

export async function saveCheckpoint(runDir: string, identity: RunIdentity, state: TrainerState): Promise<void> {
  const file = checkpointPath(runDir);
  const header: Header = {
    identity,
    epoch: state.epoch,
    step: state.step,
    epochLossSum: state.epochLossSum,
    epochSeconds: state.epochSeconds,
    history: [...state.history],
    earlyStopping: state.earlyStopping,
    parameterCount: state.parameters.length,
    hasBestWeights: state.bestWeights !== null,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(16);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(FORMAT_VERSION, 8);
  prefix.writeUInt32LE(json.length, 12);
  const padding = Buffer.alloc((4 - ((prefix.length + json.length) % 4)) % 4);
  const arrays = [state.parameters, state.velocity, ...(state.bestWeights ? [state.bestWeights] : [])].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  const body = [prefix, json, padding, ...arrays];
  const hash = createHash('sha256');
  for (const b of body) hash.update(b);
  await writeFileAtomically(file, [...body, hash.digest()], {
    // Keep the current checkpoint as .prev (a hard link, so `file` never disappears), then replace it.
    beforeReplace: async () => {
      await rm(`${file}.prev`, { force: true });
      await link(file, `${file}.prev`).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    },
  });
}

/**
 * The state saved in `runDir`, or null when there is none.
 * @throws CheckpointCorruptError when the file fails verification (it is left untouched)
 * @throws CheckpointMismatchError when it belongs to a run with other settings
 */
export async function loadCheckpoint(runDir: string, identity: RunIdentity, from: ResumeFrom = 'latest'): Promise<TrainerState | null> {
  const file = from === 'latest' ? checkpointPath(runDir) : `${checkpointPath(runDir)}.prev`;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const previous =
    from === 'latest'
      ? await stat(`${file}.prev`).then(
          () => `${file}.prev`,
          () => null,
        )
      : null;
  const corrupt = (reason: string): CheckpointCorruptError => new CheckpointCorruptError(file, reason, previous);
  if (bytes.length < 16 + DIGEST_BYTES || !bytes.subarray(0, 8).equals(MAGIC)) throw corrupt('not a kfkd checkpoint');
  const digest = createHash('sha256').update(bytes.subarray(0, bytes.length - DIGEST_BYTES)).digest();
  if (!digest.equals(bytes.subarray(bytes.length - DIGEST_BYTES))) throw corrupt('checksum mismatch');
  if (bytes.readUInt32LE(8) !== FORMAT_VERSION) throw corrupt(`format version ${bytes.readUInt32LE(8)}, expected ${FORMAT_VERSION}`);
  const headerLength = bytes.readUInt32LE(12);
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(16, 16 + headerLength).toString('utf8')) as Header;
  } catch (e) {
    throw corrupt(`unreadable header (${e instanceof Error ? e.message : String(e)})`);
  }
  for (const [field, expected] of Object.entries(identity)) {
    const found = header.identity?.[field];
    if (found === expected) continue;
    if (EXTENDABLE_FIELDS.includes(field) && typeof found === 'number' && typeof expected === 'number') {
      if (found < expected) continue;
      throw new CheckpointShrinkError(file, field, expected, found);
    }
    throw new CheckpointMismatchError(file, field, String(expected), String(found));
  }
  let offset = 16 + headerLength;
  offset += (4 - (offset % 4)) % 4;
  const n = header.parameterCount;
  const arrayCount = header.hasBestWeights ? 3 : 2;
  if (offset + arrayCount * n * 4 + DIGEST_BYTES !== bytes.length) throw corrupt('its size does not match its header');
  const take = (): Float32Array => {
    const a = new Float32Array(n);
    new Uint8Array(a.buffer).set(bytes.subarray(offset, offset + n * 4));
    offset += n * 4;
    return a;
  };
  const parameters = take();
  const velocity = take();
  const bestWeights = header.hasBestWeights ? take() : null;
  return {
    epoch: header.epoch,
    step: header.step,
    epochLossSum: header.epochLossSum,
    epochSeconds: header.epochSeconds,
    parameters,
    velocity,
    history: header.history,
    earlyStopping: header.earlyStopping,
    bestWeights,
  };
}

/**
 * The identity of the run whose checkpoint is in `runDir` (net, data, seed,
 * epochs, ...), read from its header alone; null when there is no readable
 * one (loadCheckpoint then says why). Lets a restart without --epochs go on
 * with the run's own number of epochs.
 */
export async function readCheckpointIdentity(runDir: string): Promise<RunIdentity | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(checkpointPath(runDir));
  } catch {
    return null;
  }
  if (bytes.length < 16 || !bytes.subarray(0, 8).equals(MAGIC)) return null;
  try {
    const header = JSON.parse(bytes.subarray(16, 16 + bytes.readUInt32LE(12)).toString('utf8')) as Partial<Header>;
    return header.identity ?? null;
  } catch {
    return null;
  }
}

/**
 * Makes the previous checkpoint the current one, after it was loaded with
 * `from: 'previous'`: the current file is set aside (never deleted) as
 * `<file>.set-aside`, so the next save keeps the good one as `.prev`.
 */
export async function promotePreviousCheckpoint(runDir: string): Promise<string> {
  const file = checkpointPath(runDir);
  const aside = `${file}.set-aside`;
  await rename(file, aside).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  await copyFile(`${file}.prev`, file);
  return aside;
}
