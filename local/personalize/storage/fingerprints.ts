// The event ids a dataset group has seen, kept as 64-bit fingerprints in one typed array (16 bytes an id
// at worst) instead of a Set of strings (about 100 bytes an id).

import { fmix32 } from '../hash';

/** MurmurHash3's 32-bit mix over a string's UTF-16 code units. */
function murmur32(value: string, seed: number): number {
  let h = seed ^ value.length;
  for (let i = 0; i < value.length; i++) {
    let k = Math.imul(value.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix32(h);
}

/** A 64-bit fingerprint as two 32-bit halves, never both 0 (0, 0 marks an empty slot). */
function fingerprint(value: string): [number, number] {
  const high = murmur32(value, 0x9747b28c);
  const low = murmur32(value, 0x5bd1e995);
  return high === 0 && low === 0 ? [0, 1] : [high, low];
}

/**
 * A set of fingerprints: open addressing with linear probing in a Uint32Array of (high, low) pairs, at most
 * half full. Two different ids share a fingerprint with probability about n² / 2⁶⁵ (under one in a million
 * at five million ids).
 */
export class FingerprintSet {
  private table = new Uint32Array(2 * 64);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(value: string): boolean {
    const [high, low] = fingerprint(value);
    return this.slotOf(high, low) < 0;
  }

  add(value: string): void {
    const [high, low] = fingerprint(value);
    this.addFingerprint(high, low);
  }

  addFingerprint(high: number, low: number): void {
    const slot = this.slotOf(high, low);
    if (slot < 0) return;
    this.table[2 * slot] = high;
    this.table[2 * slot + 1] = low;
    if (++this.count * 2 > this.table.length / 2) this.grow();
  }

  /** The fingerprints as (high, low) pairs, for a snapshot. */
  entries(): Uint32Array {
    const pairs = new Uint32Array(2 * this.count);
    let at = 0;
    for (let i = 0; i < this.table.length; i += 2) {
      if (this.table[i] !== 0 || this.table[i + 1] !== 0) {
        pairs[at++] = this.table[i] as number;
        pairs[at++] = this.table[i + 1] as number;
      }
    }
    return pairs;
  }

  static fromEntries(pairs: Uint32Array): FingerprintSet {
    const set = new FingerprintSet();
    set.table = new Uint32Array(2 * capacityFor(pairs.length / 2));
    for (let i = 0; i < pairs.length; i += 2) set.addFingerprint(pairs[i] as number, pairs[i + 1] as number);
    return set;
  }

  /** The empty slot for this fingerprint, or -1 when it is already there. */
  private slotOf(high: number, low: number): number {
    const mask = this.table.length / 2 - 1;
    for (let slot = (low ^ high) & mask; ; slot = (slot + 1) & mask) {
      const h = this.table[2 * slot];
      const l = this.table[2 * slot + 1];
      if (h === 0 && l === 0) return slot;
      if (h === high && l === low) return -1;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.addFingerprint(old[i] as number, old[i + 1] as number);
    }
  }
}

/** A power of two at least twice `entries` (and at least 64). */
function capacityFor(entries: number): number {
  let capacity = 64;
  while (capacity < entries * 2 + 2) capacity *= 2;
  return capacity;
}
