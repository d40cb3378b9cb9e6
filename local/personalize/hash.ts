/**
 * MurmurHash3's 32-bit finaliser (fmix32): every input bit reaches every output bit, so inputs that differ
 * in one bit give unrelated results. Returns an unsigned 32-bit integer.
 */
export function fmix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
