/**
 * Refusals that happen before a request reaches the service's handlers,
 * made visible: bytes that do not decode as the rpc's request message are
 * answered INVALID_ARGUMENT (grpc-js would say INTERNAL, as if the
 * coordinator had failed), and every such refusal, like a call that ends
 * before its request was read in full (larger than the message limit, a
 * length prefix that never completes, bad compression, broken off by the
 * client), is reported to the edge's observer (counted in
 * kfkd_rejected_messages_total). Without this, a fuzzer's or a broken
 * peer's malformed traffic left no trace in /metrics.
 */
import * as grpc from '@grpc/grpc-js';
import { type EdgeObserver, RPC_OF_METHOD, type Rpc } from './edge-observer.ts';

/** What a request deserializer returns for bytes that are not a message of its type. */
export class MalformedRequest {
  constructor(readonly detail: string) {}
}

/** `deserialize`, returning a MalformedRequest instead of throwing. */
export function tolerantDeserializer<T>(deserialize: (bytes: Buffer) => T): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
    try {
      return deserialize(bytes);
    } catch (error) {
      return new MalformedRequest(error instanceof Error ? error.message : String(error));
    }
  };
}

/** The rpc of each method path of the service ('/kfkd.v1.Coordinator/Join': 'join', ...). */
const RPC_OF_PATH: Readonly<Record<string, Rpc>> = Object.fromEntries(Object.entries(RPC_OF_METHOD).map(([method, rpc]) => [`/kfkd.v1.Coordinator/${method}`, rpc]));

/**
 * Statuses grpc-js itself sends through the handler's call (a second
 * request on a unary call, no request at all) and the service never does.
 */
const TRANSPORT_CODES: ReadonlySet<grpc.status> = new Set([grpc.status.UNIMPLEMENTED, grpc.status.INTERNAL]);

/** The server interceptor that refuses MalformedRequests and counts what ends before the service sees it. */
export function edgeInterceptor(observer: Pick<EdgeObserver, 'rejected'> | undefined): grpc.ServerInterceptor {
  return (method, call) => {
    const rpc: Rpc | undefined = RPC_OF_PATH[method.path];
    // The request was read in full (unary: its message; a client stream: its half-close), or the call has a status.
    let requestRead = false;
    let settled = false;
    const intercepted: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message: unknown, nextMessage) => {
            if (message instanceof MalformedRequest) {
              if (rpc && !settled) observer?.rejected(rpc, 'malformed');
              settled = true;
              intercepted.sendStatus({ code: grpc.status.INVALID_ARGUMENT, details: `malformed request: ${message.detail}` });
              return;
            }
            if (!method.requestStream) requestRead = true;
            nextMessage(message);
          },
          onReceiveHalfClose: (nextHalfClose) => {
            requestRead = true;
            nextHalfClose();
          },
          onCancel: () => {
            // Also called after a status was sent: only calls that ended unread count here.
            if (rpc && !requestRead && !settled) observer?.rejected(rpc, 'incomplete');
            settled = true;
          },
        }),
      sendStatus: (status, next) => {
        if (rpc && !settled && TRANSPORT_CODES.has(status.code)) observer?.rejected(rpc, 'malformed');
        settled = true;
        next(status);
      },
    });
    return intercepted;
  };
}
