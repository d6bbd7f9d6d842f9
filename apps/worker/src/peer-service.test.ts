/**
 * The connections of a worker's Peer server (servePeers), seen from raw
 * node:http2 clients on loopback: a connection gets the 64 MiB receive
 * window only once one of its Pass calls carried the worker token, and one
 * that never does is closed.
 */
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { MAX_STREAMS, RECEIVE_WINDOW_BYTES, type SessionLimits, UNAUTHENTICATED_MAX_STREAMS } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { DEFAULT_WINDOW, connectRaw, isClosed, rawCall, settingsAfter } from '@kfkd/proto/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { PEER_SESSION_LIMITS, PeerService, servePeers } from './peer-service.ts';

const TOKEN = 'peer-service-token';
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function peerServer(limits: SessionLimits = PEER_SESSION_LIMITS): Promise<number> {
  const service = new PeerService({ token: TOKEN, intake: () => null, log: memoryLogger() });
  const { server, port } = await servePeers('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), service, limits);
  cleanups.push(() => server.forceShutdown());
  return port;
}

const connect = (port: number): Promise<http2.ClientHttp2Session> => connectRaw(port, (client) => cleanups.push(() => void client.destroy()));
/** A Pass call with no parts, with the token or not. */
const pass = (client: http2.ClientHttp2Session, token: string | null): Promise<string | undefined> => rawCall(client, '/kfkd.v1.Peer/Pass', token);

describe('a Peer server connection', () => {
  it('keeps the default window and few streams until a call carries the worker token', async () => {
    const client = await connect(await peerServer());
    expect(await pass(client, 'wrong')).toBe(String(grpc.status.UNAUTHENTICATED));
    const before = await settingsAfter(client, 200);
    expect(before.initialWindowSize).toBe(DEFAULT_WINDOW);
    expect(before.maxConcurrentStreams).toBe(UNAUTHENTICATED_MAX_STREAMS);
    // Past the checks (the empty stream itself is refused): the running sum's chunks need not wait for window updates.
    expect(await pass(client, TOKEN)).toBe(String(grpc.status.INVALID_ARGUMENT));
    const after = await settingsAfter(client, 200);
    expect(after.initialWindowSize).toBe(RECEIVE_WINDOW_BYTES);
    expect(after.maxFrameSize).toBe(1024 * 1024);
    expect(after.maxConcurrentStreams).toBe(MAX_STREAMS);
  });

  it('is kept for every other worker a run can have (each may pass to this one as the ring is reordered)', { timeout: 15_000 }, async () => {
    const port = await peerServer();
    // 120 slots of data, so 119 other workers at most.
    const peers = await Promise.all(Array.from({ length: 119 }, () => connect(port)));
    const answers = await Promise.all(peers.map((peer) => pass(peer, TOKEN)));
    expect(answers.filter((status) => status !== String(grpc.status.INVALID_ARGUMENT))).toEqual([]);
    expect(peers.filter(isClosed)).toEqual([]);
  });

  it('is closed when none of its calls has carried the token in time', async () => {
    const port = await peerServer({ maxSessions: 8, maxUnauthenticatedSessions: 4, authenticationTimeoutMs: 200 });
    const stranger = await connect(port);
    const peer = await connect(port);
    expect(await pass(peer, TOKEN)).toBe(String(grpc.status.INVALID_ARGUMENT));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(isClosed(stranger)).toBe(true);
    expect(isClosed(peer)).toBe(false);
  });
});
