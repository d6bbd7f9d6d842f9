/**
 * Byte-level mutations of an encoded message: the kinds of damage a broken
 * or hostile peer produces. Each returns new bytes and names itself, so the
 * tally can say which kinds the coordinator refused.
 */
import { fieldKey, lengthField, varint } from './codec.ts';
import type { Prng } from './prng.ts';

export interface Mutation {
  readonly name: string;
  readonly bytes: Buffer;
}

type Mutator = (bytes: Buffer, rng: Prng) => Buffer;

const MUTATORS: Readonly<Record<string, Mutator>> = {
  'flip-bits': (bytes, rng) => {
    const out = Buffer.from(bytes);
    const flips = 1 + rng.int(8);
    for (let i = 0; i < flips && out.length > 0; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  truncate: (bytes, rng) => bytes.subarray(0, rng.int(Math.max(1, bytes.length))),
  extend: (bytes, rng) => Buffer.concat([bytes, rng.bytes(1 + rng.int(64))]),
  'random-bytes': (bytes, rng) => rng.bytes(rng.int(Math.max(8, bytes.length * 2))),
  // Unknown fields of every wire type: a receiver must skip them.
  'unknown-field': (bytes, rng) => {
    const field = 16 + rng.int(100_000);
    const body = rng.pick([
      Buffer.concat([fieldKey(field, 0), varint(rng.edgyUint32())]),
      lengthField(field, rng.bytes(rng.int(32))),
      Buffer.concat([fieldKey(field, 5), rng.bytes(4)]),
      Buffer.concat([fieldKey(field, 1), rng.bytes(8)]),
    ]);
    return rng.chance(0.5) ? Buffer.concat([bytes, body]) : Buffer.concat([body, bytes]);
  },
  // A length-delimited field that claims far more bytes than follow.
  'huge-length': (bytes, rng) => Buffer.concat([bytes, fieldKey(1 + rng.int(12), 2), varint(rng.pick([2 ** 31, 2 ** 32 - 1, 2 ** 28])), rng.bytes(rng.int(16))]),
  // A varint of eleven continuation bytes (more than 64 bits).
  'endless-varint': (bytes) => Buffer.concat([bytes, fieldKey(1, 0), Buffer.alloc(11, 0xff)]),
  // Wire types 6 and 7 do not exist.
  'bad-wire-type': (bytes, rng) => Buffer.concat([bytes, fieldKey(1 + rng.int(12), 6 + rng.int(2)), rng.bytes(4)]),
  // Deeply nested groups: a recursive decoder runs out of stack.
  'deep-groups': (bytes, rng) => Buffer.concat([bytes, Buffer.concat(new Array<Buffer>(2000 + rng.int(20_000)).fill(fieldKey(99, 3)))]),
  // A second copy of every field (proto3 merges; repeated fields and bytes grow).
  duplicate: (bytes) => Buffer.concat([bytes, bytes]),
};

export const MUTATION_NAMES: readonly string[] = Object.keys(MUTATORS);

export function mutate(bytes: Buffer, rng: Prng): Mutation {
  const name = rng.pick(MUTATION_NAMES);
  return { name, bytes: MUTATORS[name](bytes, rng) };
}
