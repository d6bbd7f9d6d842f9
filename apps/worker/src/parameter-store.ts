/**
 * The parameter vector a session computes at, put together from the chunks
 * of one or more sources: the coordinator's Join stream, and in a ring step
 * the previous worker's Pass stream (ring-round.ts).
 *
 * Each source sends transfers: a version's chunks in order from value 0. A
 * transfer of the version already held (a ring relays a vector to a worker
 * that may have it) rewrites the same values; one of another version starts
 * over in the same buffer. Chunks of a source still sending a version that
 * has been replaced are stale: not stored, and said so (a stale peer stream
 * is refused; the coordinator never sends one).
 *
 * A ring round forwards what one transfer delivers (claim()), so a vector
 * reaches the next worker only when the coordinator or the previous worker
 * actually sent it this round.
 */

/** The chunks of one version from one source, from value 0. */
export class ParameterTransfer {
  /** Values delivered so far: [0, received) of `version` are in the store. */
  received = 0;
  /** A ring round forwards it (at most one round does). */
  claimed = false;

  constructor(
    readonly version: number,
    /** Numbers the store's transfers in the order they began. */
    readonly serial: number,
    readonly fromPeer: boolean,
  ) {}
}

/** Where chunks come from: the transfer it is sending, if any. One per source. */
export interface ParameterSource {
  transfer: ParameterTransfer | null;
  /** The previous worker of a ring (its transfers may come before the round's task), not the coordinator. */
  readonly fromPeer: boolean;
}

export type ReceiveOutcome = { readonly kind: 'stored' } | { readonly kind: 'stale' } | { readonly kind: 'problem'; readonly problem: string };

export interface ChunkIn {
  readonly version: number;
  readonly offset: number;
  readonly values: Uint8Array;
}

export class ParameterStore {
  /** The version being received or held (null before the first chunk). */
  private currentVersion: number | null = null;
  /** [0, filled) of the current version are in `values`. */
  private filled = 0;
  private latest: ParameterTransfer | null = null;
  private transfers = 0;
  private readonly listeners = new Set<() => void>();

  constructor(readonly values: Float32Array) {}

  get version(): number | null {
    return this.currentVersion;
  }

  /** The version held whole, if any. */
  get completeVersion(): number | null {
    return this.filled === this.values.length ? this.currentVersion : null;
  }

  /** Values of the current version received so far. */
  get received(): number {
    return this.filled;
  }

  /** Calls `listener` after every stored chunk until the returned function is called. */
  onProgress(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One chunk of `source`'s transfer. */
  receive(source: ParameterSource, chunk: ChunkIn): ReceiveOutcome {
    let transfer = source.transfer;
    if (chunk.offset === 0) {
      transfer = new ParameterTransfer(chunk.version, ++this.transfers, source.fromPeer);
      source.transfer = transfer;
      if (chunk.version !== this.currentVersion) {
        this.currentVersion = chunk.version;
        this.filled = 0;
      }
      this.latest = transfer;
    } else if (!transfer || transfer.version !== chunk.version || chunk.offset !== transfer.received) {
      // A version's chunks come in order from value 0.
      const expected = transfer?.version === chunk.version ? transfer.received : 0;
      return { kind: 'problem', problem: `chunk at value ${chunk.offset}, expected ${expected}` };
    }
    if (transfer.version !== this.currentVersion) return { kind: 'stale' };
    if (chunk.values.byteLength % 4 !== 0) return { kind: 'problem', problem: `chunk of ${chunk.values.byteLength} bytes, not a whole number of float32` };
    const count = chunk.values.byteLength / 4;
    if (chunk.offset + count > this.values.length) return { kind: 'problem', problem: `chunk ends at value ${chunk.offset + count}, the vector has ${this.values.length}` };
    const target = this.values.subarray(chunk.offset, chunk.offset + count);
    // A byte copy: received chunks need not start on a 4-byte boundary.
    new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(chunk.values);
    transfer.received += count;
    // A transfer's values are a prefix of the version's, so this only grows the held prefix.
    this.filled = Math.max(this.filled, transfer.received);
    for (const listener of [...this.listeners]) listener();
    return { kind: 'stored' };
  }

  /** Transfers begun so far (a round claims only later ones of the coordinator's). */
  get transfersBegun(): number {
    return this.transfers;
  }

  /**
   * The latest transfer of `version` if no round forwards it yet, now
   * claimed; null if there is none. The coordinator sends a ring round's
   * parameters after its task, so one of its transfers counts only when it
   * began after `since` (transfersBegun when the round began); a peer's may
   * come before the task.
   */
  claim(version: number, since: number): ParameterTransfer | null {
    const transfer = this.latest;
    if (!transfer || transfer.version !== version || transfer.version !== this.currentVersion || transfer.claimed) return null;
    if (!transfer.fromPeer && transfer.serial <= since) return null;
    transfer.claimed = true;
    return transfer;
  }
}
