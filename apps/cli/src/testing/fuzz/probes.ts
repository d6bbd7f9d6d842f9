/**
 * Structure-aware probes of every rpc: valid messages (built from what the
 * fuzzer knows of the run: the honest worker's id and session, its own
 * session, the task it holds) bent into wrong ones (wrong ids, sessions,
 * generations, steps, counts, lengths, NaN/Inf, out-of-order parts, parts
 * of a finished step), then, half of the time, damaged byte by byte.
 */
import type * as grpc from '@grpc/grpc-js';
import { PROTOCOL_VERSION, type ReportPart, type TaskResult, type Task__Output } from '@kfkd/proto';
import { SERVER_MAX_RECEIVE_BYTES } from '@kfkd/coordinator';
import { type RpcName, encodeHeartbeat, encodeJoin, encodeReportPart, encodeWatch, fieldKey, varint } from './codec.ts';
import { mutate } from './mutate.ts';
import type { Prng } from './prng.ts';
import { type CallOutcome, TOKEN_KINDS, type TokenKind, clientStreamCall, metadataFor, serverStreamCall, unaryCall } from './raw-calls.ts';
import type { FuzzTransport } from './transport.ts';

/** A worker session the fuzzer knows of. */
export interface KnownSession {
  readonly id: string;
  readonly session: number;
}

/** What the fuzzer has learned of the run so far. */
export interface RunKnowledge {
  honest: KnownSession | null;
  hostile: KnownSession | null;
  /** The task the hostile worker holds, or held last. */
  task: Task__Output | null;
  parameterCount: number;
}

export interface ProbeResult extends CallOutcome {
  /** What the probe was: its generator and, when damaged, the mutation. */
  readonly kind: string;
  readonly token: TokenKind;
}

/** Rows of a task's job minus the task's own: the count another worker's share would have. */
export const otherShare = (task: Task__Output, batch: number, total: number): number => Math.max(0, Math.min(batch, total) - task.rows.length);

const BAD_IDS = ['', 'x'.repeat(129), 'bad id!', 'ü', 'a\u0000b', '../../etc/passwd', '\u202e', 'a'.repeat(10_000)];

function someId(rng: Prng, known: RunKnowledge): string {
  return rng.pick([`fz-${rng.int(1000)}`, known.honest?.id ?? 'honest', known.hostile?.id ?? 'fz-0', rng.pick(BAD_IDS)]);
}

function someSession(rng: Prng, known: RunKnowledge): number {
  return rng.pick([rng.edgyUint32(), known.honest?.session ?? 1, known.hostile?.session ?? 2, (known.honest?.session ?? 1) + 1 + rng.int(3)]);
}

function damage(bytes: Buffer, rng: Prng, kinds: string[]): Buffer {
  if (!rng.chance(0.5)) return bytes;
  const m = mutate(bytes, rng);
  kinds.push(m.name);
  return m.bytes;
}

function joinProbe(rng: Prng, known: RunKnowledge, kinds: string[]): Buffer {
  const variant = rng.pick(['version', 'id', 'names', 'valid', 'unknown-field']);
  kinds.push(`join-${variant}`);
  const request = { protocolVersion: PROTOCOL_VERSION, workerId: `fz-${rng.int(1000)}`, backend: 'fuzz', device: 'none' };
  if (variant === 'version') request.protocolVersion = rng.pick([0, PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1, rng.edgyUint32()]);
  if (variant === 'id') request.workerId = rng.pick(BAD_IDS);
  if (variant === 'names') Object.assign(request, rng.chance(0.5) ? { backend: 'b'.repeat(65 + rng.int(1000)) } : { device: 'd'.repeat(257 + rng.int(1000)) });
  let bytes = encodeJoin(request);
  if (variant === 'unknown-field') bytes = Buffer.concat([bytes, fieldKey(5 + rng.int(50), 0), varint(rng.edgyUint32())]);
  void known;
  return damage(bytes, rng, kinds);
}

function heartbeatProbe(rng: Prng, known: RunKnowledge, kinds: string[]): Buffer {
  kinds.push('heartbeat');
  return damage(encodeHeartbeat({ workerId: someId(rng, known), session: someSession(rng, known), generation: rng.edgyUint32() }), rng, kinds);
}

function watchProbe(rng: Prng, kinds: string[]): Buffer {
  kinds.push('watch');
  const bytes = rng.chance(0.5) ? encodeWatch({}) : Buffer.concat([fieldKey(1 + rng.int(20), 2), varint(4), rng.bytes(4)]);
  return damage(bytes, rng, kinds);
}

/** A result header that looks like one for the task the hostile worker holds (or held), under someone's session. */
function resultFor(rng: Prng, known: RunKnowledge): TaskResult {
  const task = known.task;
  const who = rng.pick([known.honest, known.hostile, null]);
  return {
    workerId: who?.id ?? someId(rng, known),
    session: who?.session ?? someSession(rng, known),
    generation: task ? task.generation + rng.pick([0, 0, 1, -1]) : rng.edgyUint32(),
    taskId: task ? task.taskId + rng.pick([-2, -1, 0, 1, 2]) : rng.edgyUint32(),
    epoch: task ? task.epoch : rng.edgyUint32(),
    step: task ? task.step + rng.pick([0, 0, -1, 1]) : rng.edgyUint32(),
    lossSum: rng.pick([0, 1, Number.NaN, Number.POSITIVE_INFINITY, -1, 1e300]),
    count: task ? rng.pick([task.rows.length, 32 - task.rows.length, 24 - task.rows.length, 30 - task.rows.length, 0, 2 ** 32 - 1]) : rng.edgyUint32(),
  };
}

function gradientChunk(rng: Prng, known: RunKnowledge): ReportPart {
  const count = known.parameterCount;
  const length = rng.pick([count, count, count - 1, count + 1, 0, 1 + rng.int(64)]);
  const values = new Float32Array(Math.max(0, length));
  const poison = rng.pick(['zeros', 'nan', 'inf', 'random']);
  if (poison === 'nan' && values.length > 0) values[rng.int(values.length)] = Number.NaN;
  if (poison === 'inf' && values.length > 0) values[rng.int(values.length)] = rng.chance(0.5) ? Infinity : -Infinity;
  if (poison === 'random') for (let i = 0; i < values.length; i++) values[i] = rng.next() - 0.5;
  let bytes = Buffer.from(values.buffer);
  if (rng.chance(0.1)) bytes = bytes.subarray(0, Math.max(0, bytes.length - 1 - rng.int(3))); // not a whole number of float32
  return { gradient: { offset: rng.pick([0, 0, 0, 1, count, rng.edgyUint32()]), values: bytes } };
}

function reportProbe(rng: Prng, known: RunKnowledge, kinds: string[]): Buffer[] {
  const variant = rng.pick(['impersonate', 'unknown-session', 'gradient-first', 'two-results', 'chunks-out-of-order', 'empty', 'only-garbage', 'oversized']);
  kinds.push(`report-${variant}`);
  const parts: ReportPart[] = [];
  switch (variant) {
    case 'impersonate':
    case 'unknown-session':
      parts.push({ result: resultFor(rng, known) }, gradientChunk(rng, known));
      break;
    case 'gradient-first':
      parts.push(gradientChunk(rng, known), { result: resultFor(rng, known) });
      break;
    case 'two-results':
      parts.push({ result: resultFor(rng, known) }, { result: resultFor(rng, known) });
      break;
    case 'chunks-out-of-order':
      parts.push({ result: resultFor(rng, known) }, gradientChunk(rng, known), gradientChunk(rng, known), gradientChunk(rng, known));
      break;
    case 'empty':
      break;
    case 'only-garbage':
      return [rng.bytes(1 + rng.int(256))];
    case 'oversized':
      // One byte over the coordinator's message limit (SERVER_MAX_RECEIVE_BYTES), and 16 MiB, the limit of earlier versions.
      if (rng.chance(0.1)) {
        const size = rng.chance(0.5) ? SERVER_MAX_RECEIVE_BYTES : 16 * 1024 * 1024;
        return [Buffer.concat([encodeReportPart({ result: resultFor(rng, known) }), fieldKey(2, 2), varint(size), Buffer.alloc(size)])];
      }
      parts.push({ result: resultFor(rng, known) });
      break;
  }
  return parts.map((p) => damage(encodeReportPart(p), rng, kinds));
}

/** Builds and sends one probe on `client`. */
export function runProbe(rpc: RpcName, client: grpc.Client, transport: FuzzTransport, rng: Prng, known: RunKnowledge): Promise<ProbeResult> {
  const token = rng.pick(TOKEN_KINDS);
  const metadata = metadataFor(token, transport, rng);
  const kinds: string[] = [];
  const sent = ((): Promise<CallOutcome> => {
    switch (rpc) {
      case 'Join':
        return serverStreamCall(client, rpc, joinProbe(rng, known, kinds), metadata);
      case 'Watch':
        return serverStreamCall(client, rpc, watchProbe(rng, kinds), metadata);
      case 'Heartbeat':
        return unaryCall(client, rpc, heartbeatProbe(rng, known, kinds), metadata);
      case 'Report': {
        const messages = reportProbe(rng, known, kinds);
        const breakOff = rng.chance(0.05);
        if (breakOff) kinds.push('broken-off');
        return clientStreamCall(client, rpc, messages, metadata, breakOff);
      }
    }
  })();
  return sent.then((outcome) => ({ ...outcome, kind: kinds.join('+'), token }));
}
