/**
 * This worker's part of one ring round (a training Task with `ring` set; see
 * RingRole in kfkd.proto): it knows nothing of gRPC, and acts through a
 * PeerDial (peer-link.ts) and the session's report.
 *
 * - Parameters: every value of the round's version this worker receives in
 *   the round (from the coordinator or the previous worker, before or after
 *   the Task) is forwarded, chunk by chunk as it arrives, to the next worker
 *   over one Pass stream (PeerHello, then ParameterChunks). The stream's
 *   chunks are views of the ParameterStore, and the store is only read as
 *   fast as the stream drains, so nothing is copied or held beyond the store.
 * - Gradient: once the parameters are complete, and flushed to the next
 *   worker when this one forwards them, the own gradient is computed. (The
 *   compute blocks the event loop: started earlier, it would hold back the
 *   rest of the next worker's parameters, and the ring's computes would run
 *   one after the other instead of side by side.) Position 0 passes it on as the
 *   running sum (PeerHello, RingSum, GradientChunks); position k > 0 reads the
 *   incoming running sum chunk by chunk, adds its own values into each in
 *   float32, and passes each chunk on as soon as it is summed, or, as the
 *   last worker, Reports the ring's sum to the coordinator as its task's result.
 *
 * A validation round (a Task of PART_VALID with `ring` set) goes the same
 * way without a gradient: the running sum carries the loss sums and counts
 * only, so its parameters too cross the coordinator's link once.
 *
 * A round that cannot finish (the upstream breaks, the next worker fails, the
 * parameters change version, the session moves on to another round before
 * the round has sent everything) is dropped: its streams are cancelled and
 * nothing of it is sent on. The coordinator recomputes the step.
 */
import { type GradientChunk__Output, type PartName, type PeerHello, type PeerHello__Output, type PeerPart, type RingHop, type RingRole__Output, type RingSum, type RingSum__Output, TENSOR_CHUNK_BYTES, type TensorChunk, tensorChunks } from '@kfkd/proto';
import { type Logger, writeInOrder } from '@kfkd/runtime';
import type { TaskOutput } from './compute.ts';
import type { ParameterStore, ParameterTransfer } from './parameter-store.ts';
import type { CallError } from './session.ts';

/** An outgoing Pass stream to the next worker (gRPC in peer-link.ts; a fake in tests). */
export interface PeerPassStream {
  readonly destroyed: boolean;
  /** false: the stream's buffer is full; wait for 'drain' before writing more. */
  write(part: PeerPart): boolean;
  /** 'finish': after end(), every part has been handed on (to the socket, for gRPC). */
  on(event: 'drain' | 'close' | 'finish', listener: () => void): unknown;
  off(event: 'drain' | 'close' | 'finish', listener: () => void): unknown;
  /** No more parts: the next worker's answer follows (`done`). */
  end(): void;
  cancel(): void;
  /** The next worker's answer: null once it took the whole stream, else why not. */
  readonly done: Promise<CallError | null>;
}

/** Opens a Pass stream to a peer address. */
export type PeerDial = (address: string) => PeerPassStream;

/** A running sum arriving from the previous worker over its Pass stream. */
export interface IncomingSum {
  readonly hello: PeerHello__Output;
  readonly sum: RingSum__Output;
  /** The gradient chunks after the RingSum, in order; rejects when the stream breaks or carries anything else. */
  readonly chunks: AsyncIterator<GradientChunk__Output>;
  /** The hops before this one, each timed by its receiver (PeerPart.hops after the last chunk; empty before that). */
  hops(): readonly RingHop[];
  /** Ends the Pass call: null accepts it, an error refuses it. Only the first call counts. */
  finish(error: CallError | null): void;
}

/** The ring's result, as the last worker Reports it (for its own task). */
export interface RingResult {
  readonly lossSum: number;
  readonly count: number;
}

/** A ring task: a Task whose `ring` is set. */
export interface RingTask {
  /** 'valid': the running sum has no gradient chunks. */
  readonly part: PartName;
  readonly generation: number;
  readonly taskId: number;
  readonly epoch: number;
  readonly step: number;
  readonly parametersVersion: number;
  readonly ring: RingRole__Output;
}

export interface RingRoundDeps {
  readonly task: RingTask;
  readonly workerId: string;
  readonly parameters: ParameterStore;
  readonly dial: PeerDial;
  /** The task's loss and gradient at the store's values; null when it failed (the session gives up, and drops this round). */
  readonly compute: () => TaskOutput | null;
  /**
   * The last worker's Report of the ring's sum, then the hops (read once the chunks are done); resolves with the
   * coordinator's refusal, or null once accepted. Cancels the report if `chunks` rejects.
   */
  readonly report: (result: RingResult, chunks: AsyncIterable<TensorChunk>, hops: () => readonly RingHop[]) => Promise<CallError | null>;
  readonly log: Logger;
  /** Values per gradient chunk of position 0 and per forwarded parameter chunk (tests make it small). */
  readonly chunkValues?: number;
}

/**
 * How a round ended: its sum passed to the next worker, Reported (accepted or
 * refused by the coordinator), or dropped.
 */
export type RoundOutcome =
  | { readonly kind: 'passed' }
  | { readonly kind: 'reported'; readonly refused: CallError | null }
  | { readonly kind: 'dropped'; readonly why: string };

/** Thrown inside a round when it has been dropped: what was being done stops. */
class RoundDropped extends Error {}

/**
 * Adds `own[offset ..]` into `running` in float32: each sum is stored into the
 * Float32Array, rounding it as the coordinator's star sum rounds every add,
 * so a ring sums bit for bit what the star does in the same order.
 */
export function addIntoRunningSum(running: Float32Array, own: Float32Array, offset: number): void {
  for (let i = 0; i < running.length; i++) running[i] = running[i] + own[offset + i];
}

export class RingRound {
  private dropped: string | null = null;
  /** The outcome is known. */
  private over = false;
  /**
   * Everything this worker owes the round has been handed on (its sum to
   * the next worker, or the report to the coordinator); only the answer is
   * awaited. The coordinator may already have taken the ring's sum and sent
   * the next round's tasks: those do not drop this round (superseded()).
   */
  private sent = false;
  private transfer: ParameterTransfer | null = null;
  private parameterStream: PeerPassStream | null = null;
  private parametersForwarded = false;
  /** Every forwarded chunk has left (the stream's 'finish'). */
  private parametersFlushed = false;
  private forwardCursor = 0;
  private forwardBlocked = false;
  private sumStream: PeerPassStream | null = null;
  private incoming: IncomingSum | null = null;
  private own: TaskOutput | null = null;
  private computeScheduled = false;
  private relaying = false;
  /** The hop of the running sum into this worker, timed from its first chunk to its last (position > 0). */
  private incomingHop: RingHop | null = null;
  private readonly stopListening: () => void;
  private resolveOutcome!: (outcome: RoundOutcome) => void;
  /** How the round ended; resolves once. */
  readonly outcome: Promise<RoundOutcome> = new Promise((resolve) => (this.resolveOutcome = resolve));

  /** The store's transfers before this round. */
  private readonly transfersBefore: number;

  constructor(private readonly deps: RingRoundDeps) {
    this.transfersBefore = deps.parameters.transfersBegun;
    this.stopListening = deps.parameters.onProgress(() => this.parametersProgressed());
    this.parametersProgressed();
  }

  get ringId(): number {
    return this.deps.task.ring.ringId;
  }

  get generation(): number {
    return this.deps.task.generation;
  }

  /** Whether `hello` names this round. */
  matches(hello: PeerHello__Output): boolean {
    return hello.ringId === this.ringId && hello.generation === this.generation;
  }

  private get nextAddress(): string {
    return this.deps.task.ring.nextAddress;
  }

  private get training(): boolean {
    return this.deps.task.part === 'train';
  }

  /** The own gradient's chunks (none in a validation round). */
  private ownChunks(own: TaskOutput): AsyncGenerator<TensorChunk> {
    return toAsync(this.training ? tensorChunks(own.gradSum!, this.perChunk * 4) : []);
  }

  private get perChunk(): number {
    return this.deps.chunkValues ?? TENSOR_CHUNK_BYTES / 4;
  }

  private get hello(): PeerHello {
    return { workerId: this.deps.workerId, generation: this.generation, ringId: this.ringId };
  }

  /** The previous worker's running sum (position > 0); a second one, or one for position 0, is refused. */
  offerSum(incoming: IncomingSum): void {
    if (this.dropped !== null) return incoming.finish({ code: 'ABORTED', details: `ring round dropped: ${this.dropped}` });
    if (this.incoming || this.deps.task.ring.position === 0) return incoming.finish({ code: 'FAILED_PRECONDITION', details: 'this worker takes no (more) running sum this round' });
    this.incoming = incoming;
    void this.relayWhenReady();
  }

  /** The previous worker's parameter stream of `version` broke off: unless they are complete already, the round cannot go on. */
  parametersBroke(version: number, why: string): void {
    const { parameters, task } = this.deps;
    if (version === task.parametersVersion && parameters.completeVersion !== version) this.drop(`the parameters from the previous worker broke off: ${why}`);
  }

  /**
   * Another round's task (or a star task) came. A round still at work is
   * dropped; one that has sent everything ends with its answer, and stops
   * following the parameters, which the new round may change.
   */
  superseded(why: string): void {
    if (this.sent) this.stopListening();
    else this.drop(why);
  }

  /** Gives the round up: cancels its streams, refuses its upstream, says why once. */
  drop(why: string): void {
    if (this.dropped !== null || this.over) return;
    this.dropped = why;
    this.stopListening();
    // Another round may forward these parameters (a recomputation of the step).
    if (this.transfer && !this.parametersForwarded) this.transfer.claimed = false;
    this.parameterStream?.cancel();
    this.sumStream?.cancel();
    this.incoming?.finish({ code: 'ABORTED', details: `ring round dropped: ${why}` });
    this.deps.log.warn('ring round dropped', { ring: this.ringId, generation: this.generation, task: this.deps.task.taskId, why });
    this.resolveOutcome({ kind: 'dropped', why });
  }

  /** New parameter values arrived (or the round began): forward them, and compute once they are complete. */
  private parametersProgressed(): void {
    if (this.dropped !== null) return;
    const { parameters, task } = this.deps;
    if (this.transfer && parameters.version !== this.transfer.version && !this.parametersForwarded) {
      return this.drop(`parameters changed to version ${parameters.version} before version ${this.transfer.version} was forwarded`);
    }
    if (this.nextAddress !== '' && !this.transfer) this.transfer = parameters.claim(task.parametersVersion, this.transfersBefore);
    if (this.transfer) this.pumpParameters();
    const forwarding = this.transfer !== null && !this.parametersFlushed;
    if (!this.computeScheduled && !forwarding && parameters.completeVersion === task.parametersVersion) {
      this.computeScheduled = true;
      // After this turn of the event loop, so the last parameter chunks leave for the next worker before the compute blocks it.
      setImmediate(() => this.computeOwn());
    }
  }

  /** Writes the claimed transfer's values not forwarded yet, until the stream's buffer is full. */
  private pumpParameters(): void {
    const transfer = this.transfer!;
    const { values } = this.deps.parameters;
    while (!this.forwardBlocked && this.forwardCursor < transfer.received && this.dropped === null) {
      let stream = this.parameterStream;
      if (!stream) {
        try {
          stream = this.openParameterStream();
        } catch (error) {
          return this.drop(`cannot pass the parameters to ${this.nextAddress}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const from = this.forwardCursor;
      const to = Math.min(transfer.received, from + this.perChunk);
      const view = values.subarray(from, to);
      this.forwardCursor = to;
      if (!stream.write({ parameters: { version: transfer.version, offset: from, values: Buffer.from(view.buffer, view.byteOffset, view.byteLength) } })) this.forwardBlocked = true;
    }
    if (this.forwardCursor === values.length && !this.parametersForwarded && this.dropped === null) {
      this.parametersForwarded = true;
      this.parameterStream!.end();
    }
  }

  private openParameterStream(): PeerPassStream {
    const stream = this.deps.dial(this.nextAddress);
    this.parameterStream = stream;
    stream.on('drain', () => {
      this.forwardBlocked = false;
      if (this.dropped === null) this.pumpParameters();
    });
    stream.on('finish', () => {
      this.parametersFlushed = true;
      this.parametersProgressed();
    });
    void stream.done.then((error) => {
      if (error) this.drop(`the next worker (${this.deps.task.ring.nextWorker}) did not take the parameters: ${error.code} ${error.details}`);
    });
    stream.write({ hello: this.hello });
    return stream;
  }

  private computeOwn(): void {
    if (this.dropped !== null) return;
    const own = this.deps.compute();
    if (!own) return this.drop('the task failed');
    if (this.training && !own.gradSum) return this.drop('the task computed no gradient');
    this.own = own;
    void this.relayWhenReady();
  }

  /** Sends the running sum on once the own gradient and (past position 0) the incoming sum are there. */
  private async relayWhenReady(): Promise<void> {
    const own = this.own;
    const { ring } = this.deps.task;
    if (!own || this.relaying || this.dropped !== null) return;
    if (ring.position > 0 && !this.incoming) return;
    this.relaying = true;
    try {
      const outcome = ring.position === 0 ? await this.passOwn(own) : await this.passSum(own, this.incoming!);
      this.over = true;
      this.stopListening();
      this.resolveOutcome(outcome);
    } catch (error) {
      if (!(error instanceof RoundDropped)) this.drop(error instanceof Error ? error.message : String(error));
    }
  }

  /** Position 0: the own sums are the running sum. */
  private async passOwn(own: TaskOutput): Promise<RoundOutcome> {
    const { task } = this.deps;
    const sum = { position: 0, epoch: task.epoch, step: task.step, lossSum: own.lossSum, count: own.count };
    if (this.nextAddress === '') {
      if (own.count !== task.ring.totalCount) throw new Error(`the ring summed ${own.count} rows, its task says ${task.ring.totalCount}`);
      return this.reportRing({ lossSum: own.lossSum, count: own.count }, this.ownChunks(own), () => []);
    }
    return this.passOn(sum, this.ownChunks(own), () => []);
  }

  /** Position k > 0: the incoming sum plus the own one, chunk by chunk. */
  private async passSum(own: TaskOutput, incoming: IncomingSum): Promise<RoundOutcome> {
    const { task } = this.deps;
    const { sum } = incoming;
    if (sum.position !== task.ring.position - 1 || sum.epoch !== task.epoch || sum.step !== task.step) {
      throw new Error(`running sum of position ${sum.position}, epoch ${sum.epoch} step ${sum.step}; this worker is position ${task.ring.position} of epoch ${task.epoch} step ${task.step}`);
    }
    const running = { position: task.ring.position, epoch: task.epoch, step: task.step, lossSum: sum.lossSum + own.lossSum, count: sum.count + own.count };
    const chunks = this.summed(incoming, this.training ? own.gradSum! : null);
    const hops = (): readonly RingHop[] => [...incoming.hops(), ...(this.incomingHop ? [this.incomingHop] : [])];
    let outcome: RoundOutcome;
    if (this.nextAddress !== '') outcome = await this.passOn(running, chunks, hops);
    else {
      if (running.count !== task.ring.totalCount) throw new Error(`the ring summed ${running.count} rows, its task says ${task.ring.totalCount}`);
      outcome = await this.reportRing({ lossSum: running.lossSum, count: running.count }, chunks, hops);
    }
    incoming.finish(null);
    return outcome;
  }

  /** The last worker: the coordinator gets the ring's sum as this task's result. */
  private async reportRing(result: RingResult, chunks: AsyncIterable<TensorChunk>, hops: () => readonly RingHop[]): Promise<RoundOutcome> {
    // The report cancels itself when the chunks break off; the round then fails for that reason, not for the cancel.
    let broken: unknown = null;
    const allTaken = (): void => {
      this.sent = true;
    };
    const watched = (async function* () {
      try {
        yield* chunks;
      } catch (error) {
        broken = error;
        throw error;
      }
      allTaken();
    })();
    const refused = await this.deps.report(result, watched, hops);
    if (broken !== null) throw broken;
    this.checkDropped();
    return { kind: 'reported', refused };
  }

  /** Sends a running sum and its chunks to the next worker, waiting whenever its stream is full. */
  private async passOn(sum: RingSum, chunks: AsyncIterable<TensorChunk>, hops: () => readonly RingHop[]): Promise<RoundOutcome> {
    const stream = this.deps.dial(this.nextAddress);
    this.sumStream = stream;
    const answer = stream.done.then((error) => {
      if (error) this.drop(`the next worker (${this.deps.task.ring.nextWorker}) did not take the running sum: ${error.code} ${error.details}`);
      return error;
    });
    await writeInOrder(stream, [{ hello: this.hello }, { sum }]);
    for await (const chunk of chunks) {
      this.checkDropped();
      await writeInOrder(stream, [{ gradient: chunk }]);
    }
    this.checkDropped();
    await writeInOrder(stream, [{ hops: { hops: [...hops()] } }]);
    stream.end();
    this.sent = true;
    await answer;
    this.checkDropped();
    return { kind: 'passed' };
  }

  /** The incoming chunks with the own gradient added, checked to cover it in order (null: a validation round, which has none). */
  private async *summed(incoming: IncomingSum, own: Float32Array | null): AsyncGenerator<TensorChunk> {
    const length = own?.length ?? 0;
    let expected = 0;
    let firstAt: number | null = null;
    let lastAt = 0;
    let bytes = 0;
    for (;;) {
      const next = await incoming.chunks.next();
      this.checkDropped();
      if (next.done) break;
      const { offset, values } = next.value;
      lastAt = performance.now();
      firstAt ??= lastAt;
      bytes += values.byteLength;
      if (offset !== expected) throw new Error(`running sum chunk at value ${offset}, expected ${expected}`);
      if (!own || values.byteLength % 4 !== 0 || offset + values.byteLength / 4 > length) throw new Error(`running sum chunk of ${values.byteLength} bytes at value ${offset} does not fit ${length} values`);
      const running = new Float32Array(values.byteLength / 4);
      // A byte copy: received chunks need not start on a 4-byte boundary.
      new Uint8Array(running.buffer).set(values);
      addIntoRunningSum(running, own, offset);
      expected += running.length;
      yield { offset, values: Buffer.from(running.buffer) };
    }
    if (expected !== length) throw new Error(`the running sum ended at value ${expected} of ${length}`);
    this.incomingHop = { fromWorker: incoming.hello.workerId, toWorker: this.deps.workerId, bytes, seconds: ((lastAt - (firstAt ?? lastAt)) / 1000) };
  }

  private checkDropped(): void {
    if (this.dropped !== null) throw new RoundDropped(this.dropped);
  }
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
