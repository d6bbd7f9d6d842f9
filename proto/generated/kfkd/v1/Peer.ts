// Original file: kfkd.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PeerPart as _kfkd_v1_PeerPart, PeerPart__Output as _kfkd_v1_PeerPart__Output } from '../../kfkd/v1/PeerPart.ts';
import type { PeerReply as _kfkd_v1_PeerReply, PeerReply__Output as _kfkd_v1_PeerReply__Output } from '../../kfkd/v1/PeerReply.ts';

/**
 * Served by every worker that gives a peer_address, called by the worker
 * before it in a ring (RingRole), with the same credentials (the worker
 * token, and the cluster's CA on both ends).
 */
export interface PeerClient extends grpc.Client {
  /**
   * One ring round's traffic to the next worker: a PeerHello first, then
   * either the parameter chunks of the round's version, or the running sum
   * (a RingSum, then, in a training round, GradientChunks covering
   * parameter_count values in order, then the RingHops). A worker opens at
   * most one stream of each kind per round.
   */
  Pass(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_PeerReply__Output>): grpc.ClientWritableStream<_kfkd_v1_PeerPart>;
  Pass(metadata: grpc.Metadata, callback: grpc.requestCallback<_kfkd_v1_PeerReply__Output>): grpc.ClientWritableStream<_kfkd_v1_PeerPart>;
  Pass(options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_PeerReply__Output>): grpc.ClientWritableStream<_kfkd_v1_PeerPart>;
  Pass(callback: grpc.requestCallback<_kfkd_v1_PeerReply__Output>): grpc.ClientWritableStream<_kfkd_v1_PeerPart>;
  /**
   * One ring round's traffic to the next worker: a PeerHello first, then
   * either the parameter chunks of the round's version, or the running sum
   * (a RingSum, then, in a training round, GradientChunks covering
   * parameter_count values in order, then the RingHops). A worker opens at
   * most one stream of each kind per round.
   */
  pass(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_PeerReply__Output>): grpc.ClientWritableStream<_kfkd_v1_PeerPart>;
  pass(metadata: grpc.Metadata, callback: grpc.requestCallback<_kfkd_v1_PeerReply__Output>): grpc.ClientWritableStream<_kfkd_v1_PeerPart>;
  pass(options: grpc.CallOptions, callback: grpc.requestCallback<_kfkd_v1_PeerReply__Output>): grpc.ClientWritableStream<_kfkd_v1_PeerPart>;
  pass(callback: grpc.requestCallback<_kfkd_v1_PeerReply__Output>): grpc.ClientWritableStream<_kfkd_v1_PeerPart>;
  
}

/**
 * Served by every worker that gives a peer_address, called by the worker
 * before it in a ring (RingRole), with the same credentials (the worker
 * token, and the cluster's CA on both ends).
 */
export interface PeerHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One ring round's traffic to the next worker: a PeerHello first, then
   * either the parameter chunks of the round's version, or the running sum
   * (a RingSum, then, in a training round, GradientChunks covering
   * parameter_count values in order, then the RingHops). A worker opens at
   * most one stream of each kind per round.
   */
  Pass: grpc.handleClientStreamingCall<_kfkd_v1_PeerPart__Output, _kfkd_v1_PeerReply>;
  
}

export interface PeerDefinition extends grpc.ServiceDefinition {
  Pass: MethodDefinition<_kfkd_v1_PeerPart, _kfkd_v1_PeerReply, _kfkd_v1_PeerPart__Output, _kfkd_v1_PeerReply__Output>
}
