import { describe, expect, it } from 'vitest';
import { assertSeed, childSeed, createRng, fmix32, fnv1a32, initialNoise, MAX_SEED, RandomStream, stepNoise } from './rng.ts';

describe('RandomStream', () => {
  it('is MT19937 with genrand_res53 uniforms (NumPy RandomState golden values)', () => {
    // Reference MT19937: the first output for the default seed 5489 is 3499211612.
    expect(createRng(5489).nextUint32()).toBe(3499211612);
    // numpy.random.RandomState(0).random_sample(2)
    const r = createRng(0);
    expect(r.uniform()).toBe(0.5488135039273248);
    expect(r.uniform()).toBe(0.7151893663724195);
  });

  it('draws Box–Muller normals that NumPy reproduces (the recipe in rng.ts)', () => {
    // NumPy: u = RandomState(42).random_sample(6); r = sqrt(-2 log(1 - u[0::2])); interleave r cos(2 pi u[1::2]), r sin(...)
    const g64 = createRng(42).gaussian64(5);
    const ref64 = [0.9226995869613672, -0.2952315230036262, -1.3208690019593181, -0.9427600260691444, 0.324369690160745];
    for (let i = 0; i < 5; i++) expect(Math.abs(g64[i]! - ref64[i]!)).toBeLessThanOrEqual(4e-16 * Math.abs(ref64[i]!));
    // Rounded to float32 they agree exactly.
    expect(Array.from(createRng(42).gaussian(5))).toEqual([0.9226995706558228, -0.29523152112960815, -1.320868968963623, -0.9427600502967834, 0.3243696987628937]);
  });

  it('same seed => identical noise; different seed => different noise', () => {
    const a = createRng(123).gaussian(1000);
    const b = createRng(123).gaussian(1000);
    const c = createRng(124).gaussian(1000);
    expect(Array.from(a)).toEqual(Array.from(b));
    let same = 0;
    for (let i = 0; i < 1000; i++) if (a[i] === c[i]) same++;
    expect(same).toBe(0);
  });

  it('an odd count is a prefix of the next even count (the last sine is dropped)', () => {
    const five = createRng(9).gaussian(5);
    const six = createRng(9).gaussian(6);
    expect(Array.from(five)).toEqual(Array.from(six.subarray(0, 5)));
    expect(createRng(9).gaussian(0).length).toBe(0);
  });

  it('has standard-normal moments', () => {
    const g = createRng(77).gaussian64(200_000);
    let sum = 0;
    let sumSq = 0;
    let sum4 = 0;
    for (const v of g) {
      sum += v;
      sumSq += v * v;
      sum4 += v ** 4;
    }
    const n = g.length;
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(sum4 / n - 3)).toBeLessThan(0.1);
  });

  it('rejects seeds that would not survive a URL or a Python int unchanged', () => {
    for (const bad of [-1, 1.5, MAX_SEED + 1, NaN, Infinity]) expect(() => assertSeed(bad)).toThrow(/seed must be an integer/);
    expect(() => new RandomStream(MAX_SEED)).not.toThrow();
    expect(() => createRng(0).gaussian(-1)).toThrow(/non-negative/);
  });
});

describe('named streams', () => {
  it('hashes labels with FNV-1a 32 and the MurmurHash3 finalizer (golden values shared with NumPy)', () => {
    expect(fnv1a32('')).toBe(2166136261);
    expect(fnv1a32('a')).toBe(3826002220);
    expect(fnv1a32('κ')).toBe(229284337); // UTF-8 bytes, not UTF-16 code units
    expect(fmix32(0)).toBe(0);
    expect(childSeed(42, 'z_T')).toBe(1236779029);
    expect(childSeed(childSeed(42, 'step'), '1000')).toBe(2977490720);
    expect(Array.from(initialNoise(42, 3))).toEqual([-0.17078368365764618, 0.43432891368865967, 2.2226457595825195]);
    expect(Array.from(stepNoise(42, 1000, 3))).toEqual([1.2072303295135498, 1.760506510734558, -2.2395763397216797]);
  });

  it('fork does not advance the parent, and forks are reproducible and distinct', () => {
    const parent = createRng(5);
    const untouched = createRng(5);
    const child1 = parent.fork('a');
    expect(parent.uniform()).toBe(untouched.uniform());
    expect(child1.path).toBe('5/a');
    expect(child1.fork('b').path).toBe('5/a/b');
    expect(createRng(5).fork('a').uniform()).toBe(createRng(5).fork('a').uniform());
    expect(createRng(5).fork('a').uniform()).not.toBe(createRng(5).fork('b').uniform());
    expect(createRng(5).fork('a').uniform()).not.toBe(createRng(6).fork('a').uniform());
  });

  it('keeps z_T and per-step noise apart: a branch reseeds later steps only', () => {
    const n = 32 * 32;
    // Two runs with the same seed start from the same z_T whatever happens later.
    expect(Array.from(initialNoise(7, n))).toEqual(Array.from(initialNoise(7, n)));
    // A step's noise depends on (seed, t) only, not on which steps ran before.
    expect(Array.from(stepNoise(7, 500, n))).toEqual(Array.from(stepNoise(7, 500, n)));
    expect(Array.from(stepNoise(7, 500, n))).not.toEqual(Array.from(stepNoise(7, 499, n)));
    expect(Array.from(stepNoise(8, 500, n))).not.toEqual(Array.from(stepNoise(7, 500, n)));
    expect(Array.from(stepNoise(7, 1000, n))).not.toEqual(Array.from(initialNoise(7, n)));
    expect(() => stepNoise(7, -1, n)).toThrow(/t must be/);
  });
});
