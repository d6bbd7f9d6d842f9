/**
 * The one token guard of the service: every method of the service
 * definition (so one added to kfkd.proto too) is refused without a token
 * before its handler runs, answered the way its kind answers, and counted.
 */
import * as grpc from '@grpc/grpc-js';
import { type CoordinatorHandlers, kfkdProto, tokenMetadata } from '@kfkd/proto';
import { memoryLogger } from '@kfkd/runtime';
import { expect, it } from 'vitest';
import { TokenCheck } from './auth.ts';
import type { RejectReason, Rpc } from './edge-observer.ts';
import { type CallIdentity, type Refusal, TokenGuard, guardEveryRpc } from './token-guard.ts';

const WORKER = 'guard-worker-token';
const VIEWER = 'guard-viewer-token';
const definition = kfkdProto().kfkd.v1.Coordinator.service;
const METHODS = Object.keys(definition);

interface Outcome {
  /** The handlers that ran. */
  readonly ran: string[];
  /** What each refused call was answered with, by method. */
  readonly answers: Map<string, { via: 'callback' | 'stream error'; refusal: Refusal }>;
  readonly rejected: [Rpc, RejectReason][];
  readonly authenticated: string[];
}

/** Calls every method of the service once with `metadata` through the guarded implementation. */
function callEveryMethod(metadata: grpc.Metadata): Outcome {
  const outcome: Outcome = { ran: [], answers: new Map(), rejected: [], authenticated: [] };
  const handlers = Object.fromEntries(METHODS.map((name) => [name, () => void outcome.ran.push(name)])) as unknown as CoordinatorHandlers;
  const guard = new TokenGuard(new TokenCheck(WORKER, VIEWER), memoryLogger(), { rejected: (rpc, reason) => void outcome.rejected.push([rpc, reason]) }, (peer) =>
    outcome.authenticated.push(peer),
  );
  const implementation = guardEveryRpc(definition, handlers, (rpc, call) => guard.check(rpc, call));
  for (const name of METHODS) {
    const call = {
      metadata,
      getPeer: () => `127.0.0.1:${1000 + METHODS.indexOf(name)}`,
      emit: (_event: 'error', refusal: Refusal) => outcome.answers.set(name, { via: 'stream error', refusal }),
    };
    const callback = (refusal: Refusal): void => void outcome.answers.set(name, { via: 'callback', refusal });
    (implementation[name] as (call: CallIdentity, callback: (refusal: Refusal) => void) => void)(call, callback);
  }
  return outcome;
}

it('refuses every rpc of the service definition without a token, before its handler runs, the way its kind answers', () => {
  expect([...METHODS].sort()).toEqual(['Heartbeat', 'Join', 'Report', 'Watch']);
  const outcome = callEveryMethod(new grpc.Metadata());
  expect(outcome.ran).toEqual([]);
  expect(outcome.authenticated).toEqual([]);
  for (const name of METHODS) {
    const via = definition[name].responseStream ? 'stream error' : 'callback';
    expect(outcome.answers.get(name), name).toEqual({ via, refusal: { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong token' } });
  }
  expect(outcome.rejected.sort()).toEqual([
    ['heartbeat', 'unauthenticated'],
    ['join', 'unauthenticated'],
    ['report', 'unauthenticated'],
    ['watch', 'unauthenticated'],
  ]);
});

it("refuses a viewer's token on the workers' rpcs with PERMISSION_DENIED and lets it watch, its connection told", () => {
  const outcome = callEveryMethod(tokenMetadata(VIEWER));
  expect(outcome.ran).toEqual(['Watch']);
  expect(outcome.authenticated).toEqual([`127.0.0.1:${1000 + METHODS.indexOf('Watch')}`]);
  expect(outcome.answers.get('Join')?.refusal).toEqual({
    code: grpc.status.PERMISSION_DENIED,
    details: 'a viewer token may not call join: it needs a worker token (the worker credentials)',
  });
  expect([...outcome.answers.keys()].sort()).toEqual(['Heartbeat', 'Join', 'Report']);
  expect(outcome.rejected.map(([, reason]) => reason)).toEqual(['permission-denied', 'permission-denied', 'permission-denied']);
});

it("runs every handler for a worker's token, each call's connection told", () => {
  const outcome = callEveryMethod(tokenMetadata(WORKER));
  expect(outcome.ran.sort()).toEqual(['Heartbeat', 'Join', 'Report', 'Watch']);
  expect(outcome.answers.size).toBe(0);
  expect(outcome.authenticated).toHaveLength(4);
});

it('refuses to register a method it has no rpc name or handler for, rather than serve it unguarded', () => {
  const handlers = Object.fromEntries(METHODS.map((name) => [name, () => undefined])) as unknown as CoordinatorHandlers;
  const extra = { ...definition, Train: { ...definition.Heartbeat, path: '/kfkd.v1.Coordinator/Train' } };
  expect(() => guardEveryRpc(extra, handlers, () => null)).toThrow('no guarded handler for /kfkd.v1.Coordinator/Train');
  const { Join: _join, ...missing } = handlers;
  void _join;
  expect(() => guardEveryRpc(definition, missing as CoordinatorHandlers, () => null)).toThrow('no guarded handler for /kfkd.v1.Coordinator/Join');
});
