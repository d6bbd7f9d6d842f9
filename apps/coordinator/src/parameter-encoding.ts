/**
 * Join's response serialiser: parameter chunk commands are encoded straight
 * from their values into one buffer that is reused for every chunk; every
 * other command goes through proto-loader's (protobufjs) serialiser.
 *
 * A parameter chunk is 1 MiB of float32, and a net2 step sends 32 of them to
 * every worker. protobufjs encodes each into a freshly allocated buffer,
 * which grpc-js then copies into its own frame: 32 MB of short-lived buffers
 * per worker and step, and the garbage collection that frees them. Reusing
 * one buffer is safe because grpc-js's server serialises a stream's messages
 * one at a time (its Writable hands over the next only after the previous
 * write completed) and copies each into its own frame before serialize
 * returns (serializeMessage in grpc-js 1.14's server-interceptors).
 * parameter-encoding.test.ts writes chunks back to back through a real server
 * and checks what arrives, for a grpc-js that would serialise them as they
 * are written and keep the buffers.
 *
 * The bytes are protobuf's wire format for Command { parameters: ParameterChunk },
 * every field in number order, zeros included, exactly as protobufjs writes
 * them (tested); the field numbers are read from kfkd.proto as loaded.
 */
import { type Command, kfkdProto } from '@kfkd/proto';

const LENGTH_DELIMITED = 2;
const VARINT = 0;

interface ParameterChunkFields {
  readonly parameters: number;
  readonly version: number;
  readonly offset: number;
  readonly values: number;
}

/** The field numbers as kfkd.proto declares them. */
function fieldNumbers(): ParameterChunkFields {
  const { Command: command, ParameterChunk: chunk } = kfkdProto().kfkd.v1;
  const numberOf = (type: { type: unknown }, name: string): number => {
    const fields = (type.type as { field: { name: string; number: number }[] }).field;
    const field = fields.find((f) => f.name === name);
    if (!field) throw new Error(`kfkd.proto has no field '${name}' where parameter-encoding.ts expects it`);
    return field.number;
  };
  return { parameters: numberOf(command, 'parameters'), version: numberOf(chunk, 'version'), offset: numberOf(chunk, 'offset'), values: numberOf(chunk, 'values') };
}

/** Bytes of `value` as a protobuf varint (uint32). */
function varintLength(value: number): number {
  let length = 1;
  while (value > 0x7f) {
    value >>>= 7;
    length++;
  }
  return length;
}

function writeVarint(buffer: Buffer, at: number, value: number): number {
  while (value > 0x7f) {
    buffer[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buffer[at++] = value;
  return at;
}

/** Wraps `serialize` (proto-loader's for Command) with the reused-buffer encoding of parameter chunks. */
export function joinResponseSerializer(serialize: (command: Command) => Buffer): (command: Command) => Buffer {
  const fields = fieldNumbers();
  const tags = {
    parameters: (fields.parameters << 3) | LENGTH_DELIMITED,
    version: (fields.version << 3) | VARINT,
    offset: (fields.offset << 3) | VARINT,
    values: (fields.values << 3) | LENGTH_DELIMITED,
  };
  let scratch = Buffer.alloc(0);
  return (command) => {
    const chunk = command.parameters;
    if (!chunk || !(chunk.values instanceof Uint8Array)) return serialize(command);
    const version = chunk.version ?? 0;
    const offset = chunk.offset ?? 0;
    const values = chunk.values;
    // Every field is written, zeros too, as proto-loader's serialiser (protobufjs fromObject + encode) writes them.
    const inner =
      varintLength(tags.version) + varintLength(version) +
      varintLength(tags.offset) + varintLength(offset) +
      varintLength(tags.values) + varintLength(values.byteLength) + values.byteLength;
    const total = varintLength(tags.parameters) + varintLength(inner) + inner;
    if (scratch.length < total) scratch = Buffer.allocUnsafe(total);
    let at = writeVarint(scratch, 0, tags.parameters);
    at = writeVarint(scratch, at, inner);
    at = writeVarint(scratch, writeVarint(scratch, at, tags.version), version);
    at = writeVarint(scratch, writeVarint(scratch, at, tags.offset), offset);
    at = writeVarint(scratch, writeVarint(scratch, at, tags.values), values.byteLength);
    scratch.set(values, at);
    at += values.byteLength;
    return scratch.subarray(0, at);
  };
}
