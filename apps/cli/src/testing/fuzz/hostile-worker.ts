/**
 * An authenticated, hostile worker: it joins with a valid worker token,
 * takes a share of a real step, and answers it only with results the
 * coordinator must refuse (wrong generation, step, count, length, NaN/Inf,
 * chunks out of order, a replay of a finished step, a second TaskResult, a
 * duplicate join). Right after its task arrives it also sends results in the
 * honest worker's name (its session is public on Watch) for the tasks next
 * to its own, with a finite, wrong (zero) gradient: accepting one would
 * poison the model. While it holds its task the step cannot finish, which
 * paces the run: the fuzzer's other probes land mid-step.
 */
import * as grpc from '@grpc/grpc-js';
import { PROTOCOL_VERSION, type ReportPart, type Task__Output, tensorChunks } from '@kfkd/proto';
import { decodeCommand, decodeWatchEvent, encodeJoin, encodeReportPart, encodeWatch, METHOD_PATH } from './codec.ts';
import type { Prng } from './prng.ts';
import type { KnownSession, ProbeResult, RunKnowledge } from './probes.ts';
import { clientStreamCall, metadataFor, rawClient } from './raw-calls.ts';
import type { FuzzTransport } from './transport.ts';

const identity = (bytes: Buffer): Buffer => bytes;

/** The ways the hostile worker answers the task it holds; each must get it refused and dropped. */
export const FINAL_ANSWERS = [
  'wrong-generation',
  'wrong-step',
  'wrong-count',
  'nan-loss',
  'negative-loss',
  'nan-gradient',
  'inf-gradient',
  'short-gradient',
  'long-gradient',
  'gradient-offset',
  'odd-bytes',
  'two-results',
  'finished-step-replay',
  'duplicate-join',
] as const;
export type FinalAnswer = (typeof FINAL_ANSWERS)[number];

export interface RoundOutcome {
  readonly answer: FinalAnswer;
  readonly probes: ProbeResult[];
  /** How the hostile worker's Join stream ended. */
  readonly dropped: grpc.status | null;
}

interface Session {
  readonly call: grpc.ClientReadableStream<Buffer>;
  readonly ended: Promise<grpc.status>;
  readonly welcome: Promise<KnownSession & { parameterCount: number }>;
  readonly task: Promise<Task__Output>;
}

function join(client: grpc.Client, transport: FuzzTransport, rng: Prng, id: string): Session {
  const call = client.makeServerStreamRequest(
    METHOD_PATH.Join,
    identity,
    identity,
    encodeJoin({ protocolVersion: PROTOCOL_VERSION, workerId: id, backend: 'hostile', device: 'fuzz' }),
    metadataFor('valid', transport, rng),
  );
  let onWelcome: (w: KnownSession & { parameterCount: number }) => void = () => undefined;
  let onTask: (t: Task__Output) => void = () => undefined;
  const welcome = new Promise<KnownSession & { parameterCount: number }>((resolve) => (onWelcome = resolve));
  const task = new Promise<Task__Output>((resolve) => (onTask = resolve));
  call.on('data', (bytes: Buffer) => {
    const command = decodeCommand(bytes);
    if (command.welcome) onWelcome({ id: command.welcome.workerId, session: command.welcome.session, parameterCount: command.welcome.parameterCount });
    if (command.task) onTask(command.task);
  });
  const ended = new Promise<grpc.status>((resolve) => {
    call.on('error', (e: grpc.ServiceError) => resolve(e.code));
    call.on('end', () => resolve(grpc.status.OK));
  });
  return { call, ended, welcome, task };
}

/** The session of worker `id` as the coordinator's Watch replay shows it (null when it is not connected). */
export function watchSession(client: grpc.Client, transport: FuzzTransport, rng: Prng, id: string): Promise<KnownSession | null> {
  return new Promise((resolve) => {
    const call = client.makeServerStreamRequest(METHOD_PATH.Watch, identity, identity, encodeWatch({}), metadataFor('valid', transport, rng), { deadline: Date.now() + 15_000 });
    let found: KnownSession | null = null;
    call.on('data', (bytes: Buffer) => {
      const event = decodeWatchEvent(bytes);
      if (event.worker?.workerId === id) found = { id, session: event.worker.session };
      if (event.workerGone?.workerId === id && found?.session === event.workerGone.session) found = null;
      if (event.replayDone || event.finished) call.cancel();
    });
    call.on('error', () => resolve(found));
    call.on('end', () => resolve(found));
  });
}

const timeout = <T>(promise: Promise<T>, ms: number): Promise<T | null> =>
  Promise.race([promise, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref())]);

function gradientParts(values: Float32Array, offset = 0): ReportPart[] {
  return tensorChunks(values).map((c) => ({ gradient: { offset: c.offset + offset, values: c.values } }));
}

/** The Report of a final answer to `task`. */
function answerParts(answer: FinalAnswer, task: Task__Output, me: KnownSession, count: number, previous: Task__Output | null): ReportPart[] {
  const train = task.part === 'PART_TRAIN';
  const result = { workerId: me.id, session: me.session, generation: task.generation, taskId: task.taskId, epoch: task.epoch, step: task.step, lossSum: 1, count: task.rows.length };
  const gradient = (): Float32Array => new Float32Array(count);
  const withGradient = (values: Float32Array | null): ReportPart[] => [{ result }, ...(train && values ? gradientParts(values) : gradientParts(new Float32Array(1)))];
  switch (answer) {
    case 'wrong-generation':
      return withGradient(gradient()).map((p, i) => (i === 0 ? { result: { ...result, generation: task.generation + 1 } } : p));
    case 'wrong-step':
      return withGradient(gradient()).map((p, i) => (i === 0 ? { result: { ...result, step: task.step + 1 } } : p));
    case 'wrong-count':
      return withGradient(gradient()).map((p, i) => (i === 0 ? { result: { ...result, count: task.rows.length + 1 } } : p));
    case 'nan-loss':
      return [{ result: { ...result, lossSum: Number.NaN } }];
    case 'negative-loss':
      return [{ result: { ...result, lossSum: -1 } }];
    case 'nan-gradient': {
      const g = gradient();
      g[count - 1] = Number.NaN;
      return withGradient(g);
    }
    case 'inf-gradient': {
      const g = gradient();
      g[0] = Number.NEGATIVE_INFINITY;
      return withGradient(g);
    }
    case 'short-gradient':
      return withGradient(new Float32Array(Math.max(1, count - 1)));
    case 'long-gradient':
      return withGradient(new Float32Array(count + 1));
    case 'gradient-offset':
      return [{ result }, ...gradientParts(gradient(), 1)];
    case 'odd-bytes':
      return [{ result }, { gradient: { offset: 0, values: Buffer.alloc(4 * count - 2) } }];
    case 'two-results':
      return [{ result }, { result }];
    case 'finished-step-replay':
      // The task of an earlier round (a finished step), under the current session.
      return [{ result: previous ? { ...result, taskId: previous.taskId, generation: previous.generation, epoch: previous.epoch, step: previous.step, count: previous.rows.length } : { ...result, taskId: task.taskId - 1 } }];
    case 'duplicate-join':
      return [];
  }
}

export interface HostileRoundOptions {
  readonly transport: FuzzTransport;
  readonly rng: Prng;
  readonly known: RunKnowledge;
  readonly honestId: string;
  /** Rows per training batch, and of the validation part: the honest worker's share is the rest of the job. */
  readonly batch: number;
  readonly validRows: number;
  /** Runs while the hostile worker holds its task (the fuzzer's probes). */
  readonly whileHolding: () => Promise<void>;
  readonly previous: Task__Output | null;
  /** Wait this long for a task before giving up (the run may be over). */
  readonly taskTimeoutMs: number;
}

/** One round: join, take a task, impersonate the honest worker, run the probes, answer with `answer`. Null when no task came. */
export async function hostileRound(answer: FinalAnswer, options: HostileRoundOptions): Promise<RoundOutcome | null> {
  const { transport, rng, known } = options;
  const client = rawClient(transport);
  try {
    known.honest = await watchSession(client, transport, rng, options.honestId);
    const session = join(client, transport, rng, 'fuzz-hostile');
    const welcome = await timeout(session.welcome, 15_000);
    if (!welcome) {
      session.call.cancel();
      return null;
    }
    known.hostile = { id: welcome.id, session: welcome.session };
    known.parameterCount = welcome.parameterCount;
    const task = await timeout(session.task, options.taskTimeoutMs);
    if (!task) {
      session.call.cancel();
      return null;
    }
    known.task = task;
    const probes: ProbeResult[] = [];
    // At once, before the honest worker answers: its share of this job, in its name, from this connection.
    if (known.honest) {
      const honest = known.honest;
      const total = task.part === 'PART_TRAIN' ? options.batch : options.validRows;
      const count = Math.max(1, total - task.rows.length);
      const impersonations = [-2, -1, 1, 2].map((delta) => {
        const result = { workerId: honest.id, session: honest.session, generation: task.generation, taskId: task.taskId + delta, epoch: task.epoch, step: task.step, lossSum: 0, count };
        const parts: ReportPart[] = [{ result }, ...(task.part === 'PART_TRAIN' ? gradientParts(new Float32Array(welcome.parameterCount)) : [])];
        return clientStreamCall(client, 'Report', parts.map(encodeReportPart), metadataFor('valid', transport, rng)).then((o) => ({ ...o, kind: 'report-impersonate-honest', token: 'valid' as const }));
      });
      probes.push(...(await Promise.all(impersonations)));
    }
    await options.whileHolding();
    if (answer === 'duplicate-join') {
      const again = join(client, transport, rng, 'fuzz-hostile');
      await timeout(again.welcome, 15_000);
      again.call.cancel();
    } else {
      const parts = answerParts(answer, task, welcome, welcome.parameterCount, options.previous);
      const outcome = await clientStreamCall(client, 'Report', parts.map(encodeReportPart), metadataFor('valid', transport, rng));
      probes.push({ ...outcome, kind: `report-final-${answer}`, token: 'valid' });
    }
    const dropped = await timeout(session.ended, 15_000);
    if (dropped === null) session.call.cancel();
    return { answer, probes, dropped };
  } finally {
    client.close();
  }
}
