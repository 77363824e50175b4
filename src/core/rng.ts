/**
 * Seeded, named random streams. Randomness is always an argument: nothing in the app calls Math.random.
 *
 * The algorithm is fixed and portable, so that the same seed gives the same numbers in every browser,
 * in Node and in training/ (NumPy reproduces it bit for bit, see the recipe below):
 *
 *   1. Generator: MT19937 (pure-rand's `mersenne`, seeded by the reference `init_genrand(seed)`), i.e.
 *      numpy.random.RandomState(seed).
 *   2. Uniform in [0, 1) with 53 bits: u = ((a >>> 5) * 2^26 + (b >>> 6)) / 2^53 from two successive
 *      32-bit outputs a, b (the reference `genrand_res53`; NumPy's `RandomState.random_sample`).
 *   3. Standard normals by Box–Muller in Float64, pairwise from (u1, u2):
 *        r = sqrt(-2 ln(1 - u1)),  z0 = r cos(2 pi u2),  z1 = r sin(2 pi u2),
 *      emitted z0, z1, z0, z1, ...; an odd count drops the last z1. `gaussian` then rounds to Float32.
 *   4. Named streams: fork(label) seeds a child MT19937 with fmix32(fnv1a32(utf8(`${seed}/${label}`))),
 *      where seed is the parent's 32-bit seed in decimal; FNV-1a 32 (offset 2166136261, prime 16777619)
 *      and MurmurHash3's 32-bit finalizer. Forking never advances the parent.
 *
 * NumPy recipe: `u = np.random.RandomState(seed).random_sample(2 * ceil(n / 2))`, `u1, u2 = u[0::2], u[1::2]`,
 * `r = np.sqrt(-2 * np.log(1 - u1))`, then interleave `r * np.cos(2 * np.pi * u2)` and `r * np.sin(2 * np.pi * u2)`.
 * ln, cos and sin are not required to be correctly rounded, so engines may differ in the last bit of a
 * Float64; after rounding to Float32 such differences almost never survive (tests hold golden values).
 */
import { mersenne } from 'pure-rand/generator/mersenne';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** Largest seed; seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffff_ffff;

const TWO_PI = 2 * Math.PI;
const TWO_POW_26 = 67_108_864;
const TWO_POW_53 = 9_007_199_254_740_992;

/** Throws unless `seed` is an integer in 0..2^32-1 (so that it survives a URL and a Python int unchanged). */
export function assertSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`seed must be an integer in 0..${MAX_SEED}, got ${seed}`);
  }
}

/** FNV-1a, 32-bit, over the UTF-8 bytes of a string. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's 32-bit finalizer (full avalanche). */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The seed of the child stream `label` of a stream seeded with `seed`. */
export function childSeed(seed: number, label: string): number {
  assertSeed(seed);
  return fmix32(fnv1a32(`${seed}/${label}`));
}

/** A seeded stream of random numbers. Mutable: every draw advances it. */
export class RandomStream {
  /** The 32-bit MT19937 seed of this stream. */
  readonly seed: number;
  /** Human-readable path of labels from the root stream, e.g. "42/step/1000". */
  readonly path: string;
  readonly #gen: RandomGenerator;

  constructor(seed: number, path: string = String(seed)) {
    assertSeed(seed);
    this.seed = seed;
    this.path = path;
    this.#gen = mersenne(seed);
  }

  /** An independent child stream; does not advance this one. Same (seed, label) => same child. */
  fork(label: string): RandomStream {
    return new RandomStream(childSeed(this.seed, label), `${this.path}/${label}`);
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    return this.#gen.next() >>> 0;
  }

  /** Uniform in [0, 1), 53 random bits (genrand_res53). */
  uniform(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** n standard normals in Float64 (Box–Muller, see the module comment). */
  gaussian64(n: number): Float64Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`gaussian: n must be a non-negative integer, got ${n}`);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = this.uniform();
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(1 - u1)); // 1 - u1 lies in (0, 1]: no log(0)
      out[i] = r * Math.cos(TWO_PI * u2);
      if (i + 1 < n) out[i + 1] = r * Math.sin(TWO_PI * u2);
    }
    return out;
  }

  /** n standard normals, computed in Float64 and rounded to Float32. */
  gaussian(n: number): Float32Array {
    return Float32Array.from(this.gaussian64(n));
  }
}

/** The root stream of a seed. */
export function createRng(seed: number): RandomStream {
  return new RandomStream(seed);
}

/**
 * Labels of the named streams a trajectory draws from. Keeping them apart means two runs from the same
 * seed start from identical z_T whatever sampler they use, and a branch at frame k can reseed only the
 * noise of later steps.
 */
export const NoiseStreams = {
  /** The initial latent z_T. */
  initial: 'z_T',
  /** Per-step noise xi of the reverse process; one child stream per timestep t. */
  step: 'step',
  /** Inpainting by replacement: the noise of the visible pixels pasted at timestep t. */
  paste: 'paste',
  /** Latent editing: the noise of an x^_0 re-noised to timestep t (SDEdit; core/latent-edit.ts). */
  renoise: 'renoise',
} as const;

/** The initial latent z_T ~ N(0, I) of a trajectory (n values: batch x 32 x 32 flattened). */
export function initialNoise(seed: number, n: number): Float32Array {
  return createRng(seed).fork(NoiseStreams.initial).gaussian(n);
}

/**
 * The noise xi added by the reverse step that leaves timestep t. Depends only on (seed, t): not on the
 * sampler, the step count or what ran before, so a step's noise is the same wherever it is replayed.
 */
export function stepNoise(seed: number, t: number, n: number): Float32Array {
  if (!Number.isInteger(t) || t < 0) throw new RangeError(`stepNoise: t must be a non-negative integer, got ${t}`);
  return createRng(seed).fork(NoiseStreams.step).fork(String(t)).gaussian(n);
}

/**
 * The noise of the known (visible) pixels q(y_t | x) = N(sqrt(aB_t) x, (1 - aB_t) I) pasted at timestep t
 * when inpainting by replacement. Its own stream, so switching replacement on leaves the reverse-step noise
 * unchanged.
 */
export function pasteNoise(seed: number, t: number, n: number): Float32Array {
  if (!Number.isInteger(t) || t < 0) throw new RangeError(`pasteNoise: t must be a non-negative integer, got ${t}`);
  return createRng(seed).fork(NoiseStreams.paste).fork(String(t)).gaussian(n);
}

/** The noise xi of an x^_0 re-noised to timestep t when editing a run (core/latent-edit.ts renoiseLatent). */
export function renoiseNoise(seed: number, t: number, n: number): Float32Array {
  if (!Number.isInteger(t) || t < 0) throw new RangeError(`renoiseNoise: t must be a non-negative integer, got ${t}`);
  return createRng(seed).fork(NoiseStreams.renoise).fork(String(t)).gaussian(n);
}
