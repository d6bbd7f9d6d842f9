/**
 * The client side of the Peer service: Pass streams to the next worker of a
 * ring, over one channel per peer address (kept while the worker runs: ring
 * neighbours change only with the membership), with the worker's token.
 */
import * as grpc from '@grpc/grpc-js';
import { type PeerClient, type PeerPart, kfkdProto, tokenMetadata } from '@kfkd/proto';
import { callError } from './call-error.ts';
import type { PeerDial, PeerPassStream } from './ring-round.ts';

/** Peer channels: as the worker's to the coordinator, but keepalive pings would be as harmful here. */
export interface PeerLinkConfig {
  readonly credentials: grpc.ChannelCredentials;
  readonly token: string;
  readonly channelOptions: grpc.ChannelOptions;
}

export class PeerLink {
  private readonly clients = new Map<string, PeerClient>();

  constructor(private readonly config: PeerLinkConfig) {}

  /** Opens a Pass stream to `address` (HOST:PORT). */
  readonly dial: PeerDial = (address) => {
    let client = this.clients.get(address);
    if (!client) {
      const Client = kfkdProto().kfkd.v1.Peer;
      client = new Client(address, this.config.credentials, this.config.channelOptions) as PeerClient;
      this.clients.set(address, client);
    }
    let settle!: (error: ReturnType<typeof callError> | null) => void;
    const done = new Promise<ReturnType<typeof callError> | null>((resolve) => (settle = resolve));
    const call = client.pass(tokenMetadata(this.config.token), (error) => settle(error ? callError(error) : null));
    return passStream(call, done);
  };

  /** Closes every peer channel (the worker is stopping). */
  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

function passStream(call: grpc.ClientWritableStream<PeerPart>, done: PeerPassStream['done']): PeerPassStream {
  return {
    get destroyed() {
      return call.destroyed;
    },
    write: (part) => call.write(part),
    on: (event, listener) => call.on(event, listener),
    off: (event, listener) => call.off(event, listener),
    end: () => call.end(),
    cancel: () => call.cancel(),
    done,
  };
}
