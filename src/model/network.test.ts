import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightsError } from './errors.ts';
import { createNetwork, type EncodeInputs, type HeadOutputs, type Network } from './network.ts';
import { loadParityFixture, loadShippedWeights, maxAbsDiff, type ParityFixture } from './testing.ts';
import { disposeWeights, type LoadedWeights } from './weights.ts';

/** PyTorch (training/export.py write_fixture) vs TF.js cpu, same float16-rounded weights. */
const TOLERANCE = 1e-3;

let fixture: ParityFixture;
let loaded: LoadedWeights;
let net: Network;

beforeAll(async () => {
  await tf.setBackend('cpu');
  fixture = await loadParityFixture();
  loaded = await loadShippedWeights();
  net = createNetwork(loaded.config, loaded.weights);
});

afterAll(() => {
  net.dispose();
  disposeWeights(loaded.weights);
});

function encodeInputs(f: ParityFixture, B: number, S: number, D: number): EncodeInputs {
  const i = f.inputs;
  return {
    labelProbs: tf.tensor2d(i.labelProbs, [B, 10]),
    image: tf.tensor4d(i.image, [B, S, S, 1]),
    mask: tf.tensor4d(i.mask, [B, S, S, 1]),
    sketch: tf.tensor4d(i.sketch, [B, S, S, 1]),
    repr: tf.tensor2d(i.repr, [B, D]),
    given: {
      label: tf.tensor1d(i.given.label),
      masked: tf.tensor1d(i.given.masked),
      sketch: tf.tensor1d(i.given.sketch),
      repr: tf.tensor1d(i.given.repr),
    },
  };
}

function heads(out: HeadOutputs): tf.Tensor[] {
  return [out.eps, out.masked, out.sketch, out.label, out.repr];
}

function disposeInputs(x: EncodeInputs): void {
  tf.dispose([x.labelProbs, x.image, x.mask, x.sketch, x.repr, x.given.label, x.given.masked, x.given.sketch, x.given.repr]);
}

describe('network parity with PyTorch (public/fixtures/parity.json)', () => {
  it('matches every head and the encoders within 1e-3', () => {
    const B = fixture.batch;
    const S = fixture.imageSize;
    const D = loaded.config.representation.dim;
    const z = tf.tensor4d(fixture.inputs.z, [B, S, S, 1]);
    const t = tf.tensor1d(fixture.inputs.t, 'int32');
    const out = net.forward(z, t);
    const inputs = encodeInputs(fixture, B, S, D);
    const encoded = net.encode(inputs);

    expect(out.eps.shape).toEqual([B, S, S, 1]);
    expect(out.label.shape).toEqual([B, 10]);
    expect(out.repr.shape).toEqual([B, D]);
    const diffs = {
      eps: maxAbsDiff(out.eps.dataSync(), fixture.outputs.eps),
      masked: maxAbsDiff(out.masked.dataSync(), fixture.outputs.masked),
      sketch: maxAbsDiff(out.sketch.dataSync(), fixture.outputs.sketch),
      label: maxAbsDiff(out.label.dataSync(), fixture.outputs.label),
      repr: maxAbsDiff(out.repr.dataSync(), fixture.outputs.repr),
      encoded: maxAbsDiff(encoded.dataSync(), fixture.outputs.encoded),
    };
    console.info('parity max |tfjs - torch|:', JSON.stringify(diffs));
    for (const [name, d] of Object.entries(diffs)) expect(d, name).toBeLessThanOrEqual(TOLERANCE);

    tf.dispose([z, t, out.eps, out.masked, out.sketch, out.label, out.repr, encoded]);
    disposeInputs(inputs);
  });

  it('gives the same result for int32 and float32 timesteps', () => {
    const z = tf.tensor4d(fixture.inputs.z.slice(0, 32 * 32), [1, 32, 32, 1]);
    const ti = tf.tensor1d([500], 'int32');
    const tf32 = tf.tensor1d([500], 'float32');
    const a = net.forward(z, ti);
    const b = net.forward(z, tf32);
    expect(maxAbsDiff(a.eps.dataSync(), b.eps.dataSync())).toBe(0);
    tf.dispose([z, ti, tf32, ...heads(a), ...heads(b)]);
  });

  it('leaves tf.memory().numTensors unchanged across repeated forward / encode calls', () => {
    const z = tf.tensor4d(fixture.inputs.z.slice(0, 32 * 32), [1, 32, 32, 1]);
    const t = tf.tensor1d([999], 'int32');
    const B = fixture.batch;
    const inputs = encodeInputs(fixture, B, 32, loaded.config.representation.dim);
    const step = (): void => {
      const out = net.forward(z, t);
      const e = net.encode(inputs);
      tf.dispose([...heads(out), e]);
    };
    step(); // burn-in
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, t]);
    disposeInputs(inputs);
  });

  it('rejects inputs of the wrong shape', () => {
    const z = tf.zeros<tf.Rank.R4>([1, 28, 28, 1]);
    const t = tf.tensor1d([1], 'int32');
    expect(() => net.forward(z, t)).toThrow(/z must have shape \[B, 32, 32, 1\], got \[1, 28, 28, 1\]/);
    const z2 = tf.zeros<tf.Rank.R4>([2, 32, 32, 1]);
    expect(() => net.forward(z2, t)).toThrow(/t must have shape \[2\]/);
    tf.dispose([z, z2, t]);
  });

  it('keeps its constants when created inside a tidy, frees them on dispose, and refuses use after dispose', () => {
    const before = tf.memory().numTensors;
    // Created inside a scope (what tf.tidy does): the constants must survive its end.
    tf.engine().startScope();
    const inner = createNetwork(loaded.config, loaded.weights);
    tf.engine().endScope();
    const z = tf.zeros<tf.Rank.R4>([1, 32, 32, 1]);
    const t = tf.tensor1d([10], 'int32');
    tf.dispose(heads(inner.forward(z, t)));
    inner.dispose();
    expect(() => inner.forward(z, t)).toThrow(/after dispose/);
    tf.dispose([z, t]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a weight map that does not fit the architecture', () => {
    const { ['backbone/mid_attn/qkv/kernel']: _dropped, ...rest } = loaded.weights;
    expect(() => createNetwork(loaded.config, rest)).toThrow(WeightsError);
    expect(() => createNetwork(loaded.config, rest)).toThrow(/backbone\/mid_attn\/qkv\/kernel/);
  });
});

describe('tfjs op semantics the port relies on', () => {
  it('resizeNearestNeighbor(x2, alignCorners=false, halfPixelCenters=false) == torch nearest: out[y,x] = in[y>>1, x>>1]', () => {
    const h = 5;
    const w = 3;
    const c = 2;
    const values = Array.from({ length: h * w * c }, (_, i) => i * 0.5 - 3);
    const x = tf.tensor4d(values, [1, h, w, c]);
    const up = tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w], false, false);
    const got = up.dataSync();
    const want: number[] = [];
    for (let y = 0; y < 2 * h; y++)
      for (let xx = 0; xx < 2 * w; xx++)
        for (let k = 0; k < c; k++) want.push(values[((y >> 1) * w + (xx >> 1)) * c + k] ?? NaN);
    expect(maxAbsDiff(got, want)).toBe(0);
    tf.dispose([x, up]);
  });
});
