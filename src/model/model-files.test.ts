import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { WeightsError } from './errors.ts';
import { filesFetch, modelFolderFiles, readModelSamples, type PickedFile } from './model-files.ts';
import { sha256Hex } from './digest.ts';
import { readWeightFiles } from './testing.ts';
import { disposeWeights, loadWeights } from './weights.ts';

const blob = (text: string | Uint8Array<ArrayBuffer>): Blob => new Blob([text]);
const picked = (path: string, content = 'x'): PickedFile => ({ name: path.slice(path.lastIndexOf('/') + 1), path, blob: blob(content) });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('modelFolderFiles', () => {
  it('takes the folder holding model.json, with the files beside it', () => {
    const { folder, files } = modelFolderFiles([
      picked('run/model/model.json'),
      picked('run/model/group1-shard1of1.bin'),
      picked('run/ckpt.pt'),
      picked('run/model/sub/model.json'),
    ]);
    expect(folder).toBe('model');
    expect([...files.keys()].sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
  });

  it('accepts loose dropped files', () => {
    const { files } = modelFolderFiles([picked('model.json'), picked('samples.bin')]);
    expect([...files.keys()].sort()).toEqual(['model.json', 'samples.bin']);
  });

  it('without model.json: a WeightsError naming model.json and the folder to choose', () => {
    expect(() => modelFolderFiles([picked('run/ckpt.pt')])).toThrow(WeightsError);
    expect(() => modelFolderFiles([picked('run/ckpt.pt')])).toThrow(/model\.json: not found: 1 file\(s\) were chosen, none of them model\.json.*training\/runs/);
  });
});

describe('filesFetch', () => {
  it('answers a file by its name and 404 for a missing one', async () => {
    const fetchFn = filesFetch(new Map([['model.json', blob('{"a":1}')]]));
    const signal = new AbortController().signal;
    const ok = await fetchFn('http://x/local-model/model.json', { signal });
    expect(await ok.text()).toBe('{"a":1}');
    expect((await fetchFn('http://x/local-model/group1-shard1of3.bin', { signal })).status).toBe(404);
  });

  it('loads the bundled weights from "disk" through the same validating loader', async () => {
    const files = new Map<string, Blob>([...(await readWeightFiles())].map(([k, v]) => [k, blob(v)]));
    const loaded = await loadWeights('http://x/local-model/', { fetch: filesFetch(files) });
    expect(loaded.config.classNames).toHaveLength(10);
    disposeWeights(loaded.weights);
    files.delete('group1-shard2of3.bin');
    await expect(loadWeights('http://x/local-model/', { fetch: filesFetch(files) })).rejects.toMatchObject({ kind: 'http', file: 'group1-shard2of3.bin' });
  });
});

describe('readModelSamples', () => {
  const images = new Uint8Array([1, 2, 3, 4]);
  const index = JSON.stringify({ count: 1, size: 2, labels: [0], classNames: ['a', 'b'] });
  const manifest = async (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      samples: { index: 'samples.json', images: 'samples.bin' },
      integrity: {
        'samples.json': { sha256: await sha256Hex(new TextEncoder().encode(index)), bytes: index.length },
        'samples.bin': { sha256: await sha256Hex(images), bytes: 4 },
      },
      ...over,
    });

  it('reads the samples named by model.json, checked by size and sha256', async () => {
    const files = new Map([['model.json', blob(await manifest())], ['samples.json', blob(index)], ['samples.bin', blob(images)]]);
    const got = await readModelSamples(filesFetch(files), 'http://x/m/');
    expect(got?.index).toEqual(JSON.parse(index));
    expect([...(got?.images ?? [])]).toEqual([1, 2, 3, 4]);
  });

  it('null when model.json names no samples', async () => {
    const files = new Map([['model.json', blob('{"integrity":{}}')]]);
    expect(await readModelSamples(filesFetch(files), 'http://x/m/')).toBeNull();
  });

  it('a damaged or truncated samples file is an integrity error naming it', async () => {
    const damaged = new Map([['model.json', blob(await manifest())], ['samples.json', blob(index)], ['samples.bin', blob(new Uint8Array([1, 2, 3, 5]))]]);
    await expect(readModelSamples(filesFetch(damaged), 'http://x/m/')).rejects.toThrow(/samples\.bin: sha256 mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64}/);
    const short = new Map([['model.json', blob(await manifest())], ['samples.json', blob(index)], ['samples.bin', blob(new Uint8Array([1]))]]);
    await expect(readModelSamples(filesFetch(short), 'http://x/m/')).rejects.toThrow(/samples\.bin: size mismatch \(truncated\?\): expected 4 bytes, got 1/);
  });
});
