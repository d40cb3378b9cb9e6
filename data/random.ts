/**
 * The one seeded pseudo-random generator of the project (sample data, dataset shapes, seeded fuzz tests):
 * mulberry32, small and fast, good enough for simulation, and the same sequence on every platform, so the
 * generated data is reproducible byte for byte and a failing fuzz case replays.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
