// Client CPU per operation, measured so that one kind's costs are never charged to another:
// each kind is warmed up on its own first (JIT), garbage is collected before every round
// (`--expose-gc`), each round is long enough for several garbage collections of its own, and the
// rounds of the kinds alternate, so that a busy moment of the machine weighs on all alike.
import { PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';

let collections = 0;
new PerformanceObserver((list) => {
  collections += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

const sorted = (values) => [...values].sort((a, b) => a - b);

/**
 * Runs each kind's `once(i)` `warmUp` times, then `rounds` rounds of `perRound` calls per kind.
 * Resolves, per kind, with µs of CPU (user + system) per call: min and median over the rounds,
 * every round's figure, and the garbage collections that ran inside its rounds (median).
 */
export async function rounds(kinds, { rounds: count = 5, perRound = 1500, warmUp = 500 } = {}) {
  for (const kind of kinds) {
    for (let i = 0; i < warmUp; i++) await kind.once(i);
  }
  const perKind = kinds.map(() => ({ us: [], gcs: [] }));
  for (let round = 0; round < count; round++) {
    for (const [k, kind] of kinds.entries()) {
      globalThis.gc?.();
      await tick(); // collections observed so far are delivered before counting starts
      const gcsBefore = collections;
      const before = process.cpuUsage();
      for (let i = 0; i < perRound; i++) await kind.once(i);
      const used = process.cpuUsage(before);
      await tick();
      perKind[k].us.push((used.user + used.system) / perRound);
      perKind[k].gcs.push(collections - gcsBefore);
    }
  }
  return perKind.map(({ us, gcs }) => {
    const byCost = sorted(us);
    return {
      min: byCost[0],
      median: byCost[Math.floor(byCost.length / 2)],
      rounds: us,
      gcs: sorted(gcs)[Math.floor(gcs.length / 2)],
    };
  });
}
