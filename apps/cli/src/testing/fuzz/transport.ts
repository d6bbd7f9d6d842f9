/**
 * How the fuzzer reaches the coordinator: the one place that knows the
 * transport. TLS with the test file's `worker/` credentials (its CA, client
 * certificate and key) and the worker token every cluster test runs with
 * (KFKD_TOKEN=TEST_TOKEN, see ../cluster.ts): the fuzzer is a worker whose
 * credentials leaked, the strongest attacker the edge must withstand.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { SecureClientSessionOptions } from 'node:http2';
import { join } from 'node:path';
import { MESSAGE_SIZE_OPTIONS } from '@kfkd/proto';
import { TEST_TOKEN, testCredentials } from '../cluster.ts';

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
  const folder = testCredentials('worker');
  const [ca, cert, key] = ['ca.crt', 'tls.crt', 'tls.key'].map((name) => readFileSync(join(folder, name)));
  return {
    target: `127.0.0.1:${port}`,
    credentials: grpc.credentials.createSsl(ca, key, cert),
    channelOptions: { ...MESSAGE_SIZE_OPTIONS, 'grpc.max_send_message_length': -1, 'grpc.enable_retries': 0, 'grpc.use_local_subchannel_pool': 1 },
    http2Url: `https://127.0.0.1:${port}`,
    http2Options: { ca, cert, key, ALPNProtocols: ['h2'] },
    workerToken: TEST_TOKEN,
  };
}
