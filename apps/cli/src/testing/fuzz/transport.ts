/**
 * How the fuzzer reaches the coordinator: the one place that knows the
 * transport. Today plaintext with the shared worker token (KFKD_TOKEN, as
 * every cluster test runs); with TLS on by default this becomes the
 * `worker/` credentials folder (its CA, client certificate and token).
 */
import * as grpc from '@grpc/grpc-js';
import type { SecureClientSessionOptions } from 'node:http2';
import { MESSAGE_SIZE_OPTIONS } from '@kfkd/proto';
import { TEST_TOKEN } from '../cluster.ts';

export interface FuzzTransport {
  /** host:port for gRPC clients. */
  readonly target: string;
  readonly credentials: grpc.ChannelCredentials;
  /**
   * Channel options of every fuzz client: the coordinator's size limits, but
   * sending is not capped (oversized messages are a probe), and a connection
   * of its own per client (grpc-js shares one between clients by default).
   */
  readonly channelOptions: grpc.ChannelOptions;
  /** URL and options of a raw HTTP/2 session (node:http2) to the same listener. */
  readonly http2Url: string;
  readonly http2Options: SecureClientSessionOptions;
  /** A token the coordinator accepts for Join/Report/Heartbeat/Watch: the fuzzer is an authenticated, hostile worker. */
  readonly workerToken: string;
}

export function fuzzTransport(port: number): FuzzTransport {
  return {
    target: `127.0.0.1:${port}`,
    credentials: grpc.credentials.createInsecure(),
    channelOptions: { ...MESSAGE_SIZE_OPTIONS, 'grpc.max_send_message_length': -1, 'grpc.enable_retries': 0, 'grpc.use_local_subchannel_pool': 1 },
    http2Url: `http://127.0.0.1:${port}`,
    http2Options: {},
    workerToken: TEST_TOKEN,
  };
}
