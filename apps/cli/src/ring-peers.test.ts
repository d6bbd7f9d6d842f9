/**
 * Ring steps between real workers: three `Worker`s of @kfkd/worker, set up
 * as `kfkd worker --peer-listen 127.0.0.1:0` sets them up (peer-flags.ts),
 * serve the Peer service on loopback, join a small fake coordinator (Join,
 * Report, Heartbeat), which sends them one ring step as the coordinator does
 * (every Task first, then the parameters to the first worker). The last
 * worker Reports the ring's sum, which must equal a sequential float32 sum
 * bit for bit. Plaintext and mTLS with the credentials of `kfkd certs`; a
 * Pass without the worker token is refused, over TLS a non-worker
 * certificate too, on both ends.
 */
import * as grpc from '@grpc/grpc-js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netSpec } from '@kfkd/model';
import {
  type Command,
  type CoordinatorHandlers,
  type JoinRequest__Output,
  type PeerClient,
  type ReportPart__Output,
  type TaskResult__Output,
  kfkdProto,
  tensorChunks,
  tokenMetadata,
} from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { Worker, channelCredentials, peerCredentials } from '@kfkd/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstDifference, orderSensitiveValues, sequentialSum } from '@kfkd/worker/testing';
import { writeCredentials } from './certs.ts';
import type { ClientTls } from './credentials.ts';
import { peerConfig } from './peer-flags.ts';

const TOKEN = 'ring-test-token';
const P = 2 * 262_144 + 77;
const spec = netSpec('net1');

const gradient = (seed: number): Float32Array => orderSensitiveValues(seed, P);

/** Join, Report and Heartbeat, enough for one ring step; what it is sent, kept. */
class FakeCoordinator {
  readonly joins = new Map<string, { request: JoinRequest__Output; call: grpc.ServerWritableStream<JoinRequest__Output, Command> }>();
  readonly reports: { result: TaskResult__Output; gradient: Float32Array }[] = [];
  /** Report calls that ended without a whole gradient (cancelled by the worker), by the result they began with. */
  readonly brokenReports: (TaskResult__Output | null)[] = [];
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 16 << 20 });
  port = 0;

  async start(credentials: grpc.ServerCredentials): Promise<void> {
    const handlers: CoordinatorHandlers = {
      Join: (call) => void this.joins.set(call.request.workerId, { request: call.request, call }),
      Report: (call: grpc.ServerReadableStream<ReportPart__Output, object>, callback) => {
        let result: TaskResult__Output | null = null;
        const summed = new Float32Array(P);
        let values = 0;
        call.on('data', (part: ReportPart__Output) => {
          if (part.result) result = part.result;
          if (part.gradient) {
            new Uint8Array(summed.buffer, part.gradient.offset * 4, part.gradient.values.byteLength).set(part.gradient.values);
            values += part.gradient.values.byteLength / 4;
          }
        });
        // As the coordinator does, a result counts only with its whole gradient (a cancelled call ends early).
        call.on('end', () => {
          if (values === P) this.reports.push({ result: result!, gradient: summed });
          else this.brokenReports.push(result);
          callback(null, {});
        });
      },
      Heartbeat: (_call, callback) => callback(null, { generation: 1 }),
      Watch: (call) => call.end(),
    };
    this.server.addService(kfkdProto().kfkd.v1.Coordinator.service, handlers);
    this.port = await new Promise<number>((resolve, reject) => this.server.bindAsync('127.0.0.1:0', credentials, (error, port) => (error ? reject(error) : resolve(port))));
  }

  send(workerId: string, command: Command): void {
    this.joins.get(workerId)!.call.write(command);
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let dir: string;
let tls: ClientTls;
let coordinatorTls: { ca: Buffer; cert: Buffer; key: Buffer };
let viewerTls: ClientTls;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-ring-'));
  await writeCredentials(join(dir, 'creds'), { sans: [] });
  const read = (...path: string[]): Promise<Buffer> => readFile(join(dir, 'creds', ...path));
  tls = { ca: await read('worker', 'ca.crt'), cert: await read('worker', 'tls.crt'), key: await read('worker', 'tls.key') };
  viewerTls = { ca: await read('viewer', 'ca.crt'), cert: await read('viewer', 'tls.crt'), key: await read('viewer', 'tls.key') };
  coordinatorTls = { ca: await read('coordinator', 'ca.crt'), cert: await read('coordinator', 'tls.crt'), key: await read('coordinator', 'tls.key') };
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  { mode: 'plaintext', secure: false },
  { mode: 'mTLS', secure: true },
])('a ring of three workers ($mode)', { timeout: 60_000 }, ({ secure }) => {
  it('passes the parameters and the running sum through the workers, and the last one reports the ring\'s sum bit for bit; a Pass without the worker token is refused', async () => {
    const coordinator = new FakeCoordinator();
    await coordinator.start(secure ? grpc.ServerCredentials.createSsl(coordinatorTls.ca, [{ cert_chain: coordinatorTls.cert, private_key: coordinatorTls.key }], true) : grpc.ServerCredentials.createInsecure());
    const address = `127.0.0.1:${coordinator.port}`;
    const ids = ['w0', 'w1', 'w2'];
    const gradients = ids.map((_, i) => gradient(i + 1));
    const computedAt: Float32Array[][] = ids.map(() => []);
    const logs = ids.map(() => memoryLogger());
    const workers: Worker[] = [];
    for (const [i, id] of ids.entries()) {
      workers.push(
        new Worker({
          coordinator: address,
          token: TOKEN,
          id,
          backend: { name: 'cpu', device: 'cpu' },
          credentials: channelCredentials(secure ? tls : null),
          makeCompute: () => (task) => {
            computedAt[i].push(task.parameters.slice());
            return { lossSum: i + 0.5, gradSum: gradients[i], count: 2 + i };
          },
          log: logs[i],
          peers: await peerConfig({ peerListen: '127.0.0.1:0' }, secure ? tls : null, address, logs[i]),
        }),
      );
    }
    const runs = workers.map((worker) => worker.run());
    try {
      await until(() => coordinator.joins.size === 3, 'three joins');
      const peerAddresses = ids.map((id) => coordinator.joins.get(id)!.request.peerAddress);
      expect(peerAddresses).toEqual(workers.map((w) => `127.0.0.1:${w.peerPort}`));

      for (const [i, id] of ids.entries()) {
        coordinator.send(id, { welcome: { workerId: id, session: i + 1, generation: 1, specJson: JSON.stringify(spec), parameterCount: P, heartbeatIntervalMs: 60_000 } });
        coordinator.send(id, {
          task: {
            generation: 1,
            taskId: 40 + i,
            part: 'PART_TRAIN',
            epoch: 1,
            step: 0,
            parametersVersion: 3,
            rows: [],
            positions: [],
            flipMask: Buffer.alloc(0),
            dropoutSeed: 1,
            ring: { ringId: 1, position: i, size: 3, nextWorker: ids[i + 1] ?? '', nextAddress: peerAddresses[i + 1] ?? '', totalCount: 9 },
          },
        });
      }
      const parameters = Float32Array.from({ length: P }, (_, i) => Math.sin(i));
      for (const chunk of tensorChunks(parameters)) coordinator.send('w0', { parameters: { version: 3, offset: chunk.offset, values: chunk.values } });

      await until(() => coordinator.reports.length === 1, "the ring's report");
      const [report] = coordinator.reports;
      expect(report.result).toMatchObject({ workerId: 'w2', session: 3, generation: 1, taskId: 42, epoch: 1, step: 0, lossSum: 0.5 + 1.5 + 2.5, count: 9 });
      expect(firstDifference(report.gradient, sequentialSum(gradients))).toBe(-1);
      for (const at of computedAt) {
        expect(at).toHaveLength(1);
        expect(firstDifference(at[0], parameters)).toBe(-1);
      }
      for (const log of logs) expect(log.lines.filter((l) => /dropped|refused|error/i.test(l))).toEqual([]);
      logs.forEach((log) => log.lines.splice(0));

      // The worker token is required, before anything else.
      const client = new (kfkdProto().kfkd.v1.Peer)(peerAddresses[1], peerCredentials(secure ? tls : null).client) as PeerClient;
      const pass = (metadata: grpc.Metadata): Promise<grpc.ServiceError | null> =>
        new Promise((resolve) => {
          const call = client.pass(metadata, (error) => resolve(error));
          call.write({ hello: { workerId: 'intruder', generation: 1, ringId: 1 } });
          call.end();
        });
      expect((await pass(tokenMetadata('wrong')))?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect((await pass(new grpc.Metadata()))?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(await pass(tokenMetadata(TOKEN))).toBeNull();

      // A running sum that breaks off: the last worker cancels its Report, which the coordinator never takes.
      coordinator.send('w2', {
        task: {
          generation: 1,
          taskId: 50,
          part: 'PART_TRAIN',
          epoch: 1,
          step: 1,
          parametersVersion: 3,
          rows: [],
          positions: [],
          flipMask: Buffer.alloc(0),
          dropoutSeed: 1,
          ring: { ringId: 2, position: 1, size: 2, nextWorker: '', nextAddress: '', totalCount: 8 },
        },
      });
      const last = new (kfkdProto().kfkd.v1.Peer)(peerAddresses[2], peerCredentials(secure ? tls : null).client) as PeerClient;
      const upstream = last.pass(tokenMetadata(TOKEN), () => {});
      upstream.write({ hello: { workerId: 'w1', generation: 1, ringId: 2 } });
      upstream.write({ sum: { position: 0, epoch: 1, step: 1, lossSum: 1, count: 4 } });
      upstream.write({ gradient: tensorChunks(gradients[1])[0] });
      // w2 has computed, taken the first chunk and begun its Report.
      await new Promise((resolve) => setTimeout(resolve, 200));
      upstream.cancel();
      await until(() => coordinator.brokenReports.length === 1, 'the broken report');
      expect(coordinator.brokenReports[0]).toMatchObject({ workerId: 'w2', taskId: 50, count: 8, lossSum: 1 + 2.5 });
      expect(coordinator.reports).toHaveLength(1);
      expect(logs[2].lines.filter((l) => l.startsWith('ring round dropped'))).toHaveLength(1);
      last.close();
      client.close();

      if (secure) {
        // A viewer's certificate chains to the same CA, but it is not a worker's.
        const viewer = new (kfkdProto().kfkd.v1.Peer)(peerAddresses[1], grpc.credentials.createSsl(viewerTls.ca, viewerTls.key, viewerTls.cert, { checkServerIdentity: () => undefined })) as PeerClient;
        const refused = await new Promise<grpc.ServiceError | null>((resolve) => {
          const call = viewer.pass(tokenMetadata(TOKEN), (error) => resolve(error));
          call.end();
        });
        expect(refused?.code).toBe(grpc.status.PERMISSION_DENIED);
        viewer.close();
      }
    } finally {
      for (const worker of workers) worker.shutdown();
      await Promise.all(runs);
      coordinator.stop();
    }
  });
});

describe('peer credentials over TLS', { timeout: 30_000 }, () => {
  it('as a client, trusts a server of the cluster CA only if its certificate is a worker\'s, whatever its address', async () => {
    const server = new grpc.Server();
    server.addService(kfkdProto().kfkd.v1.Peer.service, { Pass: (_call: unknown, callback: grpc.sendUnaryData<object>) => callback(null, {}) });
    // The coordinator's certificate: same CA, serverAuth, but the coordinator role.
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createSsl(coordinatorTls.ca, [{ cert_chain: coordinatorTls.cert, private_key: coordinatorTls.key }], false), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const client = new (kfkdProto().kfkd.v1.Peer)(`127.0.0.1:${port}`, peerCredentials(tls).client) as PeerClient;
    const error = await new Promise<grpc.ServiceError | null>((resolve) => client.pass(tokenMetadata(TOKEN), (e) => resolve(e)).end());
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(error?.details).toMatch(/not a worker's \(role 'coordinator'\)/);
    client.close();
    server.forceShutdown();
  });

  it('serves nothing with a certificate for clients only (made before ring steps): one warning, star steps only', async () => {
    const log = memoryLogger();
    const config = await peerConfig({ peerListen: '127.0.0.1:0' }, viewerTls, '127.0.0.1:1', log);
    expect(config.serve).toBeNull();
    expect(log.lines).toEqual([
      'not serving ring peers: this worker takes part in star steps only {"why":"the worker certificate is for clients only (made before ring steps): make new credentials with `kfkd certs`"}',
    ]);
  });
});
