/**
 * The fuzzer's only source of randomness: a seeded PRNG (mulberry32), so a
 * failing run is replayed exactly with KFKD_FUZZ_SEED=<the printed seed>.
 */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)];
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }

  /** A uint32 biased towards the values that break code: 0, 1, small, around 2^31 and 2^32. */
  edgyUint32(): number {
    return this.pick([0, 1, 2, 7, 255, 65_535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, this.int(2 ** 32), this.int(1000)]);
  }
}

/** The seed of this run: KFKD_FUZZ_SEED when set, else a fixed one (the suite is deterministic by default). */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.KFKD_FUZZ_SEED;
  if (given === undefined || given === '') return 0x6b666b64;
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`KFKD_FUZZ_SEED must be an integer in [0, 2^32), got '${given}'`);
  return seed;
}
