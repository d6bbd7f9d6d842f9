/**
 * The token check of every rpc, in one place: every handler of the service
 * is registered through guardEveryRpc(), which walks the service definition
 * (not the handlers), so a method added to kfkd.proto is guarded before it
 * can be served, and fails to compile until RPC_OF_METHOD and ALLOWED_ROLES
 * name it.
 *
 * Why a wrapper around the handlers and not a grpc-js server interceptor:
 * grpc-js runs a unary or server-streaming handler once the request has been
 * read whole (a client-streaming one as soon as the metadata arrives), so
 * the check has always come after the request was decoded. A malformed or
 * oversized request without a token is therefore refused as malformed or
 * incomplete (edge.ts), not as unauthenticated; an interceptor checking the
 * metadata would change those answers and counts. A wrapper also cannot be
 * left out the way an interceptor passed to startServer can.
 */
import * as grpc from '@grpc/grpc-js';
import type { CoordinatorHandlers } from '@kfkd/proto';
import type { Logger } from '@kfkd/runtime';
import type { Role, TokenCheck } from './auth.ts';
import { type EdgeObserver, RPC_OF_METHOD, type Rpc } from './edge-observer.ts';

/** The roles whose tokens may make each call: viewers only watch. */
export const ALLOWED_ROLES: Readonly<Record<Rpc, readonly Role[]>> = {
  join: ['worker'],
  report: ['worker'],
  heartbeat: ['worker'],
  watch: ['worker', 'viewer'],
};

/** What the guard reads of a call. */
export interface CallIdentity {
  readonly metadata: grpc.Metadata;
  getPeer(): string;
}

/** The status a refused call is answered with. */
export interface Refusal {
  readonly code: grpc.status;
  readonly details: string;
}

export class TokenGuard {
  /**
   * @param onAuthenticated told the peer of every call that passed (session-guard.ts lifts its connection's limits)
   */
  constructor(
    private readonly token: TokenCheck,
    private readonly log: Logger,
    private readonly observer?: Pick<EdgeObserver, 'rejected'>,
    private readonly onAuthenticated?: (peer: string) => void,
  ) {}

  /**
   * Null when the call's token grants a role that may make it; otherwise
   * the refusal (unknown token: UNAUTHENTICATED; a viewer's on a worker's
   * rpc: PERMISSION_DENIED), reported, and logged for the streams (Join,
   * Watch) that a peer opens rarely.
   */
  check(rpc: Rpc, call: CallIdentity): Refusal | null {
    const role = this.token.roleOf(call.metadata);
    if (role !== null && ALLOWED_ROLES[rpc].includes(role)) {
      this.onAuthenticated?.(call.getPeer());
      return null;
    }
    const refusal: Refusal =
      role === null
        ? { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong token' }
        : { code: grpc.status.PERMISSION_DENIED, details: `a ${role} token may not call ${rpc}: it needs a worker token (the worker credentials)` };
    this.observer?.rejected(rpc, role === null ? 'unauthenticated' : 'permission-denied');
    if (rpc === 'join' || rpc === 'watch') this.log.warn(`${rpc} refused`, { peer: call.getPeer(), code: grpc.status[refusal.code], role: role ?? 'none' });
    return refusal;
  }
}

/** A handler of any of the four kinds, seen through what the guard needs of its call. */
type AnyHandler = (call: CallIdentity & { emit(event: 'error', status: Refusal): boolean }, callback?: (error: Refusal) => void) => void;

/**
 * The implementation to register for `definition`: each method's handler,
 * run only once `check` has passed its call. A refused call is answered the
 * way its kind answers: through the callback (unary, client-streaming), or
 * as the stream's error (server-streaming, bidi).
 * @throws Error when the definition has a method that has no rpc name or no handler
 */
export function guardEveryRpc(
  definition: grpc.ServiceDefinition,
  handlers: CoordinatorHandlers,
  check: (rpc: Rpc, call: CallIdentity) => Refusal | null,
): grpc.UntypedServiceImplementation {
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const rpc: Rpc | undefined = (RPC_OF_METHOD as Readonly<Record<string, Rpc>>)[name];
    // The kinds of handler differ in their parameters only; the guard reads metadata and peer, common to all.
    const handler = (handlers as unknown as Readonly<Record<string, AnyHandler>>)[name];
    if (rpc === undefined || handler === undefined) throw new Error(`no guarded handler for ${method.path}`);
    const guarded: AnyHandler = method.responseStream
      ? (call) => {
          const refusal = check(rpc, call);
          if (refusal) return void call.emit('error', refusal);
          handler(call);
        }
      : (call, callback) => {
          const refusal = check(rpc, call);
          if (refusal) return callback!(refusal);
          handler(call, callback);
        };
    implementation[name] = guarded as grpc.UntypedHandleCall;
  }
  return implementation;
}
