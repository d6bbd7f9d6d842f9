/** A failed gRPC call as the session sees it: its status name and details. */
import * as grpc from '@grpc/grpc-js';
import type { CallError } from './session.ts';

export function callError(error: grpc.ServiceError): CallError {
  return { code: grpc.status[error.code] ?? String(error.code), details: error.details };
}

/** A CallError as a grpc-js status, for a handler's callback. */
export function serviceError(error: CallError): Partial<grpc.StatusObject> {
  const code = grpc.status[error.code as keyof typeof grpc.status];
  return { code: typeof code === 'number' ? code : grpc.status.UNKNOWN, details: error.details };
}
