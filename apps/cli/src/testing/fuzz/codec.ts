/**
 * Valid messages of every rpc, encoded with the same proto-loader
 * definitions both ends use, and the protobuf wire pieces the mutators add
 * (unknown fields, bad varints, absurd length prefixes, deep groups).
 */
import { type Command__Output, type HeartbeatRequest, type JoinRequest, type ReportPart, type WatchEvent__Output, type WatchRequest, kfkdProto } from '@kfkd/proto';

const service = (): ReturnType<typeof kfkdProto>['kfkd']['v1']['Coordinator']['service'] => kfkdProto().kfkd.v1.Coordinator.service;

export type RpcName = 'Join' | 'Report' | 'Heartbeat' | 'Watch';
export const RPCS: readonly RpcName[] = ['Join', 'Report', 'Heartbeat', 'Watch'];

export const METHOD_PATH: Readonly<Record<RpcName, string>> = {
  Join: '/kfkd.v1.Coordinator/Join',
  Report: '/kfkd.v1.Coordinator/Report',
  Heartbeat: '/kfkd.v1.Coordinator/Heartbeat',
  Watch: '/kfkd.v1.Coordinator/Watch',
};

export const encodeJoin = (m: JoinRequest): Buffer => service().Join.requestSerialize(m);
export const encodeReportPart = (m: ReportPart): Buffer => service().Report.requestSerialize(m);
export const encodeHeartbeat = (m: HeartbeatRequest): Buffer => service().Heartbeat.requestSerialize(m);
export const encodeWatch = (m: WatchRequest): Buffer => service().Watch.requestSerialize(m);
export const decodeCommand = (bytes: Buffer): Command__Output => service().Join.responseDeserialize(bytes);
export const decodeWatchEvent = (bytes: Buffer): WatchEvent__Output => service().Watch.responseDeserialize(bytes);

export function varint(value: number | bigint): Buffer {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

/** A field key: field number and wire type (0 varint, 1 fixed64, 2 length-delimited, 3/4 group start/end, 5 fixed32, 6/7 invalid). */
export const fieldKey = (field: number, wireType: number): Buffer => varint((BigInt(field) << 3n) | BigInt(wireType));

/** A length-delimited field. */
export const lengthField = (field: number, body: Uint8Array): Buffer => Buffer.concat([fieldKey(field, 2), varint(body.byteLength), body]);

/** The gRPC framing of one message: compressed flag, big-endian length, the bytes. */
export function grpcFrame(message: Uint8Array, compressed = false, length = message.byteLength): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(compressed ? 1 : 0, 0);
  header.writeUInt32BE(length >>> 0, 1);
  return Buffer.concat([header, message]);
}
