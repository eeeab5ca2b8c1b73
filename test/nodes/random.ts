/**
 * A small seeded PRNG for the randomised node tests (soak, fuzz): the seed is printed, and
 * SEED=<n> in the environment replays a run exactly.
 */

export interface Random {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: tiny, fast and good enough to spread test cases. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
  };
}

/** The seed from SEED, or a fresh one; printed so that a failing run can be replayed. */
export function testSeed(label: string): number {
  const given = Number(process.env.SEED);
  const seed = Number.isInteger(given) && given > 0 ? given : (Date.now() % 2_147_483_647) + 1;
  console.log(`# ${label}: seed ${seed} (replay with SEED=${seed})`);
  return seed;
}
