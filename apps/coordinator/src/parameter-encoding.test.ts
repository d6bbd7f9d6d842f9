import * as grpc from '@grpc/grpc-js';
import { type Command, type Command__Output, type CoordinatorClient, type JoinRequest__Output, kfkdProto } from '@kfkd/proto';
import { describe, expect, it } from 'vitest';
import { joinResponseSerializer } from './parameter-encoding.ts';
import { serverCredentials, startServer, stopServer } from './server.ts';

const definition = kfkdProto().kfkd.v1.Coordinator.service;
const join = definition.Join as grpc.MethodDefinition<JoinRequest__Output, Command>;

function bytesOf(length: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

describe('joinResponseSerializer', () => {
  it('encodes parameter chunks exactly as protobufjs does, and leaves other commands to it', () => {
    const encode = joinResponseSerializer(join.responseSerialize);
    const commands: Command[] = [];
    for (const version of [0, 1, 127, 128, 300, 2 ** 32 - 1]) {
      for (const offset of [0, 5, 262_144, 2 ** 31]) {
        for (const length of [0, 3, 300]) commands.push({ parameters: { version, offset, values: bytesOf(length, version + offset) } });
      }
    }
    commands.push({ parameters: { version: 9, offset: 262_144, values: bytesOf(1024 * 1024, 1) } });
    commands.push({ task: { taskId: 7, rows: [1, 2], positions: [0, 1], flipMask: Buffer.from([1, 0]) } }, { finished: { reason: 'done' } });
    for (const command of commands) {
      const ours = encode(command);
      expect(Buffer.compare(ours, join.responseSerialize(command))).toBe(0);
      const decoded = join.responseDeserialize(Buffer.from(ours)) as Command__Output;
      if (command.parameters) {
        expect([decoded.parameters?.version, decoded.parameters?.offset]).toEqual([command.parameters.version, command.parameters.offset]);
        expect(Buffer.compare(decoded.parameters!.values, command.parameters.values as Buffer)).toBe(0);
      } else {
        expect(decoded).toEqual(join.responseDeserialize(join.responseSerialize(command)));
      }
    }
  });

  it('reuses one buffer: chunks written back to back through a real server arrive intact', async () => {
    const chunks = Array.from({ length: 12 }, (_, i) => ({ version: 3, offset: i * 1000, values: bytesOf(256 * 1024 + i, i) }));
    const wrapped = { ...definition, Join: { ...join, responseSerialize: joinResponseSerializer(join.responseSerialize) } };
    const { server, port } = await startServer('127.0.0.1:0', await serverCredentials(null), (s) =>
      s.addService(wrapped, {
        Join: (call: grpc.ServerWritableStream<JoinRequest__Output, Command>) => {
          // Synchronously, without waiting for 'drain': each write serialises into the same buffer.
          for (const parameters of chunks) call.write({ parameters });
          call.end();
        },
      }),
    );
    const Client = kfkdProto().kfkd.v1.Coordinator;
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 }) as CoordinatorClient;
    try {
      const received: Command__Output[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = client.Join({ workerId: 'w', protocolVersion: 2, backend: 'none', device: 'test' });
        stream.on('data', (command: Command__Output) => received.push(command));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      expect(received.map((c) => [c.parameters?.version, c.parameters?.offset])).toEqual(chunks.map((c) => [c.version, c.offset]));
      // Compared as bytes (a deep equality of 3 MB is slow).
      expect(received.map((c, i) => Buffer.compare(c.parameters!.values, chunks[i].values))).toEqual(chunks.map(() => 0));
    } finally {
      client.close();
      await stopServer(server);
    }
  });
});
