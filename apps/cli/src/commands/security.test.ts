/**
 * Workers must authenticate, speak our protocol version and send sane
 * results. A raw gRPC client built from the same generated types plays the
 * misbehaving worker; a real worker keeps training, and the model is not
 * affected (the history equals `kfkd train`'s).
 */
import * as grpc from '@grpc/grpc-js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command__Output, type CoordinatorClient, MESSAGE_SIZE_OPTIONS, PROTOCOL_VERSION, type TaskResult, type Task__Output, kfkdProto, tensorChunks, tokenMetadata } from '@kfkd/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_TOKEN, expectSameHistory, readHistory, startCoordinator, startWorker, testCredentials } from '../testing/cluster.ts';
import { readFileSync } from 'node:fs';
import { EXIT_REFUSED } from '../failure.ts';
import { expectOneLineError, kfkd, kfkdWithEnv } from '../testing/kfkd-process.ts';

let dir: string;
let data: string;
const training = (runDir: string, epochs = '3'): string[] => ['--net', 'tinyconv-test', '--data', data, '--epochs', epochs, '--batch', '32', '--run-dir', runDir];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-security-'));
  data = join(dir, 'train.csv');
  expect((await kfkd('synth', '--rows', '150', '--label-all', '1', '--out', data)).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A client over mTLS with this file's worker certificate (the coordinators here have the test credentials). */
function rawClient(port: number): CoordinatorClient {
  const Client = kfkdProto().kfkd.v1.Coordinator;
  const file = (name: string): Buffer => readFileSync(join(testCredentials('worker'), name));
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createSsl(file('ca.crt'), file('tls.key'), file('tls.crt')), MESSAGE_SIZE_OPTIONS) as CoordinatorClient;
}

interface RawSession {
  readonly messages: Command__Output[];
  readonly status: Promise<grpc.ServiceError | null>;
  nextTask(): Promise<Task__Output>;
  readonly call: grpc.ClientReadableStream<Command__Output>;
}

function join_(client: CoordinatorClient, token: string, id: string, version = PROTOCOL_VERSION): RawSession {
  const call = client.join({ protocolVersion: version, workerId: id, backend: 'raw', device: 'test' }, tokenMetadata(token));
  const messages: Command__Output[] = [];
  let taskWaiter: ((t: Task__Output) => void) | null = null;
  call.on('data', (m: Command__Output) => {
    messages.push(m);
    if (m.command === 'task' && taskWaiter) {
      taskWaiter(m.task!);
      taskWaiter = null;
    }
  });
  const status = new Promise<grpc.ServiceError | null>((resolve) => {
    call.on('error', (e: grpc.ServiceError) => resolve(e));
    call.on('end', () => resolve(null));
  });
  return { messages, status, call, nextTask: () => new Promise((resolve) => (taskWaiter = resolve)) };
}

/** A Report stream: the result, then the gradient's bytes in chunks as a worker sends them. */
function report(client: CoordinatorClient, token: string, result: TaskResult, gradient: Uint8Array | null = null): Promise<grpc.ServiceError | null> {
  return new Promise((resolve) => {
    const call = client.report(tokenMetadata(token), (error) => resolve(error));
    call.write({ result });
    if (gradient) {
      // Whole float32 chunks of the bytes, plus the odd bytes at the end.
      const values = new Float32Array(gradient.buffer, gradient.byteOffset, Math.floor(gradient.byteLength / 4));
      for (const chunk of tensorChunks(values)) call.write({ gradient: chunk });
      if (gradient.byteLength % 4 !== 0) call.write({ gradient: { offset: values.length, values: gradient.subarray(values.byteLength) } });
    }
    call.end();
  });
}

it('a join with a wrong or missing token gets UNAUTHENTICATED and no data; a real worker with a wrong token exits 3 (refused) with a clear error', async () => {
  const { coordinator, port } = await startCoordinator(training(join(dir, 'token')));
  try {
    const client = rawClient(port);
    for (const token of ['wrong', '']) {
      const session = join_(client, token, 'intruder');
      const error = await session.status;
      expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(session.messages).toHaveLength(0);
    }
    const refused = await report(client, 'wrong', { workerId: 'intruder', session: 1 });
    expect(refused?.code).toBe(grpc.status.UNAUTHENTICATED);
    const worker = await kfkdWithEnv({ KFKD_TOKEN: 'wrong' }, 'worker', '--credentials', testCredentials('worker'), '--coordinator', `127.0.0.1:${port}`, '--backend', 'cpu');
    expectOneLineError({ ...worker, stderr: worker.stderr.split('\n').filter((l) => l.startsWith('kfkd:')).join('\n') }, /refused this worker: UNAUTHENTICATED/, EXIT_REFUSED);
    client.close();
  } finally {
    coordinator.kill('SIGKILL');
  }
});

it('a worker of another protocol version is refused with a clear message', async () => {
  const { coordinator, port } = await startCoordinator(training(join(dir, 'version')));
  try {
    const client = rawClient(port);
    const session = join_(client, TEST_TOKEN, 'old', PROTOCOL_VERSION + 1);
    const error = await session.status;
    expect(error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(error?.details).toMatch(new RegExp(`protocol version ${PROTOCOL_VERSION + 1} is not supported: this coordinator speaks version ${PROTOCOL_VERSION}`));
    client.close();
  } finally {
    coordinator.kill('SIGKILL');
  }
});

it('NaN gradients and a wrong-size gradient are rejected, the sender dropped, and the model unaffected', async () => {
  const reference = join(dir, 'reference');
  expect((await kfkd('train', ...training(reference), '--backend', 'wasm')).code).toBe(0);
  const runDir = join(dir, 'poison');
  const { coordinator, port } = await startCoordinator(training(runDir));
  const client = rawClient(port);
  // The raw client joins first, so the first step is (partly) its.
  const first = join_(client, TEST_TOKEN, 'poisoner');
  const worker = startWorker(port, 'honest', 'wasm');
  const welcome = await new Promise<Command__Output>((resolve) => {
    const poll = setInterval(() => {
      const w = first.messages.find((m) => m.command === 'welcome');
      if (w) {
        clearInterval(poll);
        resolve(w);
      }
    }, 20);
  });
  const count = welcome.welcome!.parameterCount;
  const task = await first.nextTask();
  const nan = new Float32Array(count);
  nan[7] = Number.NaN;
  const base = { workerId: 'poisoner', session: welcome.welcome!.session, generation: task.generation, taskId: task.taskId, epoch: task.epoch, step: task.step, lossSum: 1, count: task.rows.length };
  const nanError = await report(client, TEST_TOKEN, base, new Uint8Array(nan.buffer));
  expect(nanError?.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(nanError?.details).toMatch(/gradient value 7 is NaN/);
  expect((await first.status)?.code).toBe(grpc.status.INVALID_ARGUMENT);

  const second = join_(client, TEST_TOKEN, 'poisoner');
  const task2 = await second.nextTask();
  const session2 = second.messages.find((m) => m.command === 'welcome')!.welcome!.session;
  const sizeError = await report(
    client,
    TEST_TOKEN,
    { ...base, session: session2, generation: task2.generation, taskId: task2.taskId, epoch: task2.epoch, step: task2.step, count: task2.rows.length },
    new Uint8Array(count * 4 - 4),
  );
  expect(sizeError?.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(sizeError?.details).toMatch(new RegExp(`gradient of ${count - 1} values, expected ${count}`));
  // A result for a task that is not outstanding (a replay) from an unknown session.
  const replay = await report(client, TEST_TOKEN, base, new Uint8Array(count * 4));
  expect(replay?.code).toBe(grpc.status.FAILED_PRECONDITION);
  client.close();

  expect(await coordinator.exited).toBe(0);
  expect(await worker.exited).toBe(0);
  const log = coordinator.stderr.join('\n');
  expect(log).toMatch(/result rejected worker=poisoner .*problem=invalid/);
  expectSameHistory(await readHistory(runDir), await readHistory(reference));
});
