import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectedWeights } from './architecture.ts';
import { sha256Hex } from './digest.ts';
import { WeightsError, type WeightsErrorKind } from './errors.ts';
import { memoryFetch, readWeightFiles, SHARDS, type MemoryFetchOptions } from './testing.ts';
import { disposeWeights, loadWeights, parseManifest, type LoadProgress } from './weights.ts';

/** The parts of model.json the tests edit (the rest is carried along untyped). */
interface EditableSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: Record<string, unknown>;
}
interface EditableManifest {
  format: string;
  formatVersion: number;
  config: { configVersion: number; backbone: { channels: number[] } };
  weightsManifest: [{ paths: string[]; weights: EditableSpec[] }];
  integrity: Record<string, { sha256: string; bytes: number }>;
}

let original: Map<string, Uint8Array<ArrayBuffer>>;
let manifestJson: EditableManifest;

beforeAll(async () => {
  await tf.setBackend('cpu');
  original = await readWeightFiles();
  manifestJson = JSON.parse(new TextDecoder().decode(original.get('model.json'))) as EditableManifest;
});

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  // Failed loads leave nothing allocated.
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

/** A copy of the files with model.json edited by `edit`. */
function withManifest(edit: (m: EditableManifest) => void): Map<string, Uint8Array> {
  const m = structuredClone(manifestJson);
  edit(m);
  const files = new Map<string, Uint8Array>(original);
  files.set('model.json', new TextEncoder().encode(JSON.stringify(m)));
  return files;
}

function specOf(m: EditableManifest, name: string): EditableSpec {
  const spec = m.weightsManifest[0].weights.find((s) => s.name === name);
  if (spec === undefined) throw new Error(`no spec ${name}`);
  return spec;
}

type ErrorCaseOptions = MemoryFetchOptions & { signal?: AbortSignal };

async function loadError(files: ReadonlyMap<string, Uint8Array>, opts: ErrorCaseOptions = {}): Promise<WeightsError> {
  try {
    const fetch = memoryFetch(files, opts);
    const { weights } = await loadWeights('https://example.test/weights', { fetch, ...(opts.signal ? { signal: opts.signal } : {}) });
    disposeWeights(weights);
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError);
    return e as WeightsError;
  }
  throw new Error('loadWeights did not fail');
}

function expectError(e: WeightsError, kind: WeightsErrorKind, message: RegExp): void {
  expect({ kind: e.kind, message: e.message }).toEqual({ kind, message: expect.stringMatching(message) as unknown });
}

/** IEEE 754 binary16 -> number (reference decoder for the float16 check). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

describe('loadWeights: the shipped weights', () => {
  it('loads, reports byte progress, and decodes float16 exactly', async () => {
    const progress: LoadProgress[] = [];
    const { config, weights, bytes } = await loadWeights('/weights/', {
      fetch: memoryFetch(original, { chunkBytes: 100_000 }),
      onProgress: (p) => progress.push(p),
    });
    const shardBytes = SHARDS.reduce((n, s) => n + (original.get(s)?.byteLength ?? 0), 0);
    expect(bytes).toBe(shardBytes);
    expect(progress.length).toBeGreaterThan(SHARDS.length);
    expect(progress.every((p, i) => p.total === shardBytes && (i === 0 || p.loaded > (progress[i - 1]?.loaded ?? 0)))).toBe(true);
    expect(progress.at(-1)?.loaded).toBe(shardBytes);

    const expected = expectedWeights(config);
    expect(Object.keys(weights).sort()).toEqual(expected.map((w) => w.name).sort());

    // tf.io.decodeWeights (tfjs 4.22) vs a reference binary16 decoder over the raw shard bytes.
    const all = new Uint8Array(shardBytes);
    let off = 0;
    for (const s of SHARDS) {
      const b = original.get(s) ?? new Uint8Array(0);
      all.set(b, off);
      off += b.byteLength;
    }
    const halves = new Uint16Array(all.buffer);
    let at = 0;
    let worst = 0;
    for (const want of expected) {
      const t = weights[want.name];
      expect(t?.dtype).toBe('float32');
      expect(t?.shape).toEqual(want.shape);
      const got = t?.dataSync() ?? new Float32Array(0);
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs((got[i] ?? NaN) - halfToFloat(halves[at + i] ?? 0)));
      at += got.length;
    }
    expect(at).toBe(halves.length);
    expect(worst).toBe(0);
    disposeWeights(weights);
  });
});

describe('loadWeights: every error kind names its file or weight', () => {
  it('http: 404 for model.json', async () => {
    const files = new Map(original);
    files.delete('model.json');
    const e = await loadError(files);
    expectError(e, 'http', /model\.json: HTTP 404 Not Found fetching https:\/\/example\.test\/weights\/model\.json/);
    expect(e.file).toBe('model.json');
  });

  it('http: 404 for a shard', async () => {
    const files = new Map(original);
    files.delete('group1-shard2of3.bin');
    const e = await loadError(files);
    expectError(e, 'http', /group1-shard2of3\.bin: HTTP 404/);
    expect(e.file).toBe('group1-shard2of3.bin');
  });

  it('network: the connection drops', async () => {
    const e = await loadError(original, { networkFailure: ['group1-shard1of3.bin'] });
    expectError(e, 'network', /group1-shard1of3\.bin: network error .*connection reset/);
  });

  it('integrity: truncated shard', async () => {
    const files = new Map<string, Uint8Array>(original);
    const shard = original.get('group1-shard3of3.bin') ?? new Uint8Array(0);
    files.set('group1-shard3of3.bin', shard.slice(0, shard.byteLength - 100));
    const e = await loadError(files);
    expectError(e, 'integrity', /group1-shard3of3\.bin: size mismatch \(truncated\?\): expected 52426 bytes, got 52326/);
    expect(e.file).toBe('group1-shard3of3.bin');
  });

  it('integrity: shard longer than listed', async () => {
    const files = new Map<string, Uint8Array>(original);
    const shard = original.get('group1-shard3of3.bin') ?? new Uint8Array(0);
    const longer = new Uint8Array(shard.byteLength + 8);
    longer.set(shard);
    files.set('group1-shard3of3.bin', longer);
    expectError(await loadError(files), 'integrity', /group1-shard3of3\.bin: size mismatch: expected 52426 bytes, got more/);
  });

  it('integrity: sha256 mismatch (one flipped byte)', async () => {
    const files = new Map<string, Uint8Array>(original);
    const shard = (original.get('group1-shard2of3.bin') ?? new Uint8Array(0)).slice();
    shard[1234] = (shard[1234] ?? 0) ^ 0xff;
    files.set('group1-shard2of3.bin', shard);
        const e = await loadError(files);
    const want = manifestJson.integrity['group1-shard2of3.bin']?.sha256 ?? '?';
    expectError(e, 'integrity', new RegExp(`group1-shard2of3\\.bin: sha256 mismatch: expected ${want}, got [0-9a-f]{64}`));
    expect(e.file).toBe('group1-shard2of3.bin');
  });

  it('shape: a weight whose shape differs from the architecture (same byte count)', async () => {
    const e = await loadError(withManifest((m) => (specOf(m, 'backbone/time_mlp1/kernel').shape = [128, 64])));
    expectError(e, 'shape', /weight 'backbone\/time_mlp1\/kernel' has shape \[128, 64\], the architecture needs \[64, 128\]/);
    expect(e.weight).toBe('backbone/time_mlp1/kernel');
  });

  it('dtype: a weight declared int32', async () => {
    const e = await loadError(withManifest((m) => (specOf(m, 'heads/eps/bias').dtype = 'int32')));
    expectError(e, 'dtype', /weight 'heads\/eps\/bias' has dtype 'int32', expected 'float32'/);
    expect(e.weight).toBe('heads/eps/bias');
  });

  it('dtype: an unsupported storage quantization', async () => {
    const e = await loadError(withManifest((m) => (specOf(m, 'heads/eps/bias').quantization = { dtype: 'uint8', min: 0, scale: 1 })));
    expectError(e, 'dtype', /weight 'heads\/eps\/bias' is stored as 'uint8'/);
  });

  it('format: a missing weight', async () => {
    const e = await loadError(
      withManifest((m) => {
        const group = m.weightsManifest[0];
        group.weights = group.weights.filter((s) => s.name !== 'encoders/repr/linear/kernel');
      }),
    );
    expectError(e, 'format', /missing weight 'encoders\/repr\/linear\/kernel' \[8, 1024\]/);
    expect(e.weight).toBe('encoders/repr/linear/kernel');
  });

  it('format: an unexpected weight', async () => {
    const e = await loadError(
      withManifest((m) => {
        m.weightsManifest[0].weights.push({ name: 'heads/extra/bias', shape: [1], dtype: 'float32' });
      }),
    );
    expectError(e, 'format', /unexpected weight 'heads\/extra\/bias'/);
  });

  it('format: wrong format name, invalid JSON, config field', async () => {
    expectError(
      await loadError(withManifest((m) => (m.format = 'tfjs-layers'))),
      'format',
      /model\.json: format is "tfjs-layers", expected 'mt-diffusion-tfjs'/,
    );
    const files = new Map<string, Uint8Array>(original);
    files.set('model.json', new TextEncoder().encode('{"format": '));
    expectError(await loadError(files), 'format', /model\.json: is not valid JSON/);
    expectError(
      await loadError(withManifest((m) => (m.config.backbone.channels = [16, 48]))),
      'format',
      /model\.json: config\.backbone\.channels must be an array of 3 positive integers, got \[16,48\]/,
    );
    expectError(
      await loadError(withManifest((m) => (m.config.backbone.channels = [16, 44, 96]))),
      'format',
      /GroupNorm width 44 is not divisible by groups \(8\)/,
    );
    expectError(
      await loadError(withManifest((m) => (m.weightsManifest[0].paths[0] = '../secret.bin'))),
      'format',
      /shard path "\.\.\/secret\.bin" is not a plain file name/,
    );
  });

  it('version: unknown formatVersion / configVersion', async () => {
    const e = await loadError(withManifest((m) => (m.formatVersion = 2)));
    expectError(e, 'version', /model\.json: unsupported formatVersion 2 \(this build reads formatVersion 1\)/);
    expect(e.file).toBe('model.json');
    const c = await loadError(withManifest((m) => (m.config.configVersion = 3)));
    expectError(c, 'version', /unsupported config\.configVersion 3 \(this build reads configVersion 1\)/);
  });

  it('cancelled: before the start', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    expectError(await loadError(original, { signal: ctrl.signal }), 'cancelled', /cancelled/);
  });

  it('cancelled: mid-stream, and no later progress', async () => {
    const ctrl = new AbortController();
    const e = await loadError(original, {
      signal: ctrl.signal,
      chunkBytes: 50_000,
      onChunk: (file, offset) => {
        if (file === 'group1-shard2of3.bin' && offset >= 200_000) ctrl.abort();
      },
    });
    expectError(e, 'cancelled', /loading weights was cancelled/);
  });
});

describe('parseManifest', () => {
  it('accepts the shipped model.json and lists the shards with their sizes', () => {
    const m = parseManifest(manifestJson);
    expect([...m.integrity.keys()]).toEqual([...SHARDS]);
    expect(m.totalBytes).toBe(1048576 * 2 + 52426);
    expect(m.config.backbone.channels).toEqual([16, 48, 96]);
  });
});

describe('sha256', () => {
  it('the fallback without WebCrypto agrees with WebCrypto (padding edge lengths and a real shard)', async () => {
    const noSubtle = (data: Uint8Array<ArrayBuffer>) => sha256Hex(data, null);
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 1000]) {
      const data = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 0xff);
      expect(await noSubtle(data)).toBe(await sha256Hex(data, globalThis.crypto.subtle));
    }
    expect(await noSubtle(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const shard = original.get('group1-shard3of3.bin') ?? new Uint8Array(0);
    expect(await noSubtle(shard)).toBe(manifestJson.integrity['group1-shard3of3.bin']?.sha256);
  });
});
