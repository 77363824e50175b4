/**
 * The fused GroupNorm kernel (fused.ts) against its op-by-op formula on the backends Node runs (cpu, wasm),
 * and the whole network on wasm against the PyTorch fixture. WebGL and WebGPU run the same checks in the
 * browser (e2e/engine.e2e.ts, parity on every backend) and in Node through Dawn (npm run bench:gpu).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_NORM_KERNEL, groupNorm, groupNormReference, registerFusedKernels } from './fused.ts';
import { createNetwork, type HeadOutputs } from './network.ts';
import { loadParityFixture, loadShippedWeights, maxAbsDiff, type ParityFixture } from './testing.ts';
import { disposeWeights, type LoadedWeights } from './weights.ts';

setWasmPaths(decodeURIComponent(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname));
registerFusedKernels();

/** Deterministic values in [-scale + offset, scale + offset) (a LCG: no Math.random in tests). */
function values(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale + offset;
  }
  return out;
}

const CASES = [
  { name: '16 channels, 8 groups, silu', shape: [2, 5, 7, 16], groups: 8, silu: true, addend: false },
  { name: '48 channels, 8 groups, no silu, offset mean (cancellation)', shape: [1, 4, 4, 48], groups: 8, silu: false, addend: false, offset: 30 },
  { name: '24 channels, 4 groups, silu, with the time-projection addend', shape: [3, 3, 2, 24], groups: 4, silu: true, addend: true },
] as const;

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fused GroupNorm on ${backend}`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      await tf.ready();
    });

    for (const c of CASES) {
      it(`equals the op-by-op formula: ${c.name}`, () => {
        const [B, , , C] = c.shape;
        const size = (c.shape as readonly number[]).reduce((p, v) => p * v, 1);
        const x = tf.tensor4d(values(size, 1, 2, 'offset' in c ? c.offset : 0), [...c.shape]);
        const gamma = tf.tensor1d(values(C, 2, 1, 1));
        const beta = tf.tensor1d(values(C, 3, 0.5));
        const addend = c.addend ? tf.tensor2d(values(B * C, 4, 3), [B, C]) : null;
        const options = { groups: c.groups, eps: 1e-5, silu: c.silu };
        const want = groupNormReference(x, gamma, beta, addend, options);
        const got = groupNorm(x, gamma, beta, addend, options);
        expect(got.shape).toEqual(want.shape);
        expect(maxAbsDiff(got.dataSync(), want.dataSync())).toBeLessThan(2e-5 * ('offset' in c ? 30 : 1));
        tf.dispose([x, gamma, beta, want, got, ...(addend ? [addend] : [])]);
      });
    }

    it('is one kernel, and frees its intermediates', async () => {
      const x = tf.tensor4d(values(2 * 4 * 4 * 16, 5), [2, 4, 4, 16]);
      const gamma = tf.ones<tf.Rank.R1>([16]);
      const beta = tf.zeros<tf.Rank.R1>([16]);
      const addend = tf.ones<tf.Rank.R2>([2, 16]);
      const before = tf.memory();
      const info = await tf.profile(() => groupNorm(x, gamma, beta, addend, { groups: 8, eps: 1e-5, silu: true }).dispose());
      expect(info.kernels.map((k) => k.name)).toEqual([GROUP_NORM_KERNEL]);
      expect(tf.memory().numTensors).toBe(before.numTensors);
      expect(tf.memory().numBytes).toBe(before.numBytes);
      tf.dispose([x, gamma, beta, addend]);
    });

    it('refuses channels that do not split into the groups', () => {
      const x = tf.zeros<tf.Rank.R4>([1, 2, 2, 6]);
      const g = tf.ones<tf.Rank.R1>([6]);
      expect(() => groupNorm(x, g, g, null, { groups: 4, eps: 1e-5, silu: false })).toThrow(/6 channels do not split into 4 groups/);
      tf.dispose([x, g]);
    });
  });
}

describe('the network on wasm (fused kernels) against PyTorch (public/fixtures/parity.json)', () => {
  let fixture: ParityFixture;
  let loaded: LoadedWeights;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    fixture = await loadParityFixture();
    loaded = await loadShippedWeights();
  });
  afterAll(() => disposeWeights(loaded.weights));

  it('matches every head within 1e-3, fused and differentiable forms alike', () => {
    const net = createNetwork(loaded.config, loaded.weights);
    const B = fixture.batch;
    const S = fixture.imageSize;
    const z = tf.tensor4d(fixture.inputs.z, [B, S, S, 1]);
    const t = tf.tensor1d(fixture.inputs.t, 'int32');
    const heads = (o: HeadOutputs): tf.Tensor[] => [o.eps, o.masked, o.sketch, o.label, o.repr];
    for (const differentiable of [false, true]) {
      const out = net.forward(z, t, { differentiable });
      const diffs = {
        eps: maxAbsDiff(out.eps.dataSync(), fixture.outputs.eps),
        masked: maxAbsDiff(out.masked.dataSync(), fixture.outputs.masked),
        sketch: maxAbsDiff(out.sketch.dataSync(), fixture.outputs.sketch),
        label: maxAbsDiff(out.label.dataSync(), fixture.outputs.label),
        repr: maxAbsDiff(out.repr.dataSync(), fixture.outputs.repr),
      };
      console.info(`wasm parity (${differentiable ? 'differentiable' : 'fused'}) max |tfjs - torch|:`, JSON.stringify(diffs));
      for (const [name, d] of Object.entries(diffs)) expect(d, name).toBeLessThanOrEqual(1e-3);
      tf.dispose(heads(out));
    }
    tf.dispose([z, t]);
    net.dispose();
  });

  it('runs a batch-1 forward in at most 110 kernels (op by op: over 400)', async () => {
    const net = createNetwork(loaded.config, loaded.weights);
    const z = tf.zeros<tf.Rank.R4>([1, 32, 32, 1]);
    const t = tf.tensor1d([500], 'int32');
    const count = async (differentiable: boolean): Promise<number> =>
      (await tf.profile(() => tf.dispose(Object.values(net.forward(z, t, { differentiable }))))).kernels.length;
    const fused = await count(false);
    const plain = await count(true);
    console.info(`kernels per forward: fused ${fused}, op by op ${plain}`);
    expect(fused).toBeLessThanOrEqual(110);
    expect(plain).toBeGreaterThan(400);
    tf.dispose([z, t]);
    net.dispose();
  });
});
