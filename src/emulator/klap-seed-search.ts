/**
 * Picks a remote seed that puts the client's initial seq close to the int32 limit.
 *
 * Why this approach: the device cannot choose the client's seq, only its own remote seed, and
 * the initial seq is the last 4 bytes of sha256("iv" ‖ local ‖ remote ‖ auth) (docs/protocols/klap.md §4). So
 * the only faithful lever is trying remote seeds until the hash lands in the last `window`
 * values below 2^31-1, exactly what a real device could happen to pick. A hit needs on average
 * 2^32 / window tries and the client then needs up to `window` requests to reach the limit; the
 * two costs balance around a window of a few thousand (about 2^20 hashes, well under a second
 * with one-shot hashing, while the client reaches the limit within a few thousand requests).
 * The search runs in slices so the emulator keeps serving other connections, and gives up after
 * a bounded number of tries, keeping the closest seed found (tests can read the result).
 */

import * as crypto from 'node:crypto';
import { MAX_SEQ } from '../transport/klap/cipher';

const SLICE = 8192;

type OneShotHash = (algorithm: string, data: Buffer, encoding: 'buffer') => Buffer;
/** crypto.hash (Node ≥ 20.12) is ~2x faster than createHash for tiny inputs; fall back if absent. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

function lastInt32(input: Buffer): number {
  const digest = oneShot
    ? oneShot('sha256', input, 'buffer')
    : crypto.createHash('sha256').update(input).digest();
  return digest.readInt32BE(28);
}

/**
 * Resolves with a 16-byte remote seed whose initial seq is within `window` of MAX_SEQ, or the
 * closest one found within `maxTries`.
 */
export async function searchRemoteSeed(
  localSeed: Buffer,
  auth: Buffer,
  window: number,
  maxTries = Math.min(64_000_000, Math.ceil((2 ** 32 / Math.max(1, window)) * 12)),
  cancelled: () => boolean = () => false,
): Promise<Buffer> {
  // "iv" ‖ local ‖ remote ‖ auth, with the remote part rewritten in place for each try.
  const input = Buffer.concat([Buffer.from('iv'), localSeed, Buffer.alloc(16), auth]);
  const remoteOffset = 2 + localSeed.length;
  const best = { seed: crypto.randomBytes(16), distance: Number.POSITIVE_INFINITY };
  let tries = 0;
  while (tries < maxTries && !cancelled()) {
    const pool = crypto.randomBytes(16 * SLICE);
    for (let i = 0; i < SLICE && tries < maxTries; i += 1, tries += 1) {
      pool.copy(input, remoteOffset, i * 16, i * 16 + 16);
      const distance = MAX_SEQ - lastInt32(input);
      if (distance < best.distance) {
        best.distance = distance;
        best.seed = Buffer.from(pool.subarray(i * 16, i * 16 + 16));
        if (distance < window) return best.seed;
      }
    }
    // Yield between slices so a long search never starves the event loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return best.seed;
}
