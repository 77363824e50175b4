import { describe, expect, it } from 'vitest';
import { readRepoFile, readRepoJson } from '../model/testing.ts';
import { parseSamplesIndex } from './samples.ts';

const base = { count: 2, size: 2, classNames: ['a', 'b'], labels: [1, 0] };

describe('parseSamplesIndex', () => {
  it('joins the samples and the backdrop into one list of map points, samples first', () => {
    const index = {
      ...base,
      representations: [[1, 2, 3], [4, 5, 6]],
      backdrop: { labels: [0, 1, 1], representations: [[7, 8, 9], [10, 11, 12], [13, 14, 15]] },
    };
    const parsed = parseSamplesIndex(index, 8);
    expect(parsed.points).not.toBeNull();
    const p = parsed.points!;
    expect(p).toMatchObject({ count: 5, dim: 3, sampleCount: 2 });
    expect([...p.labels]).toEqual([1, 0, 0, 1, 1]);
    expect([...p.reprs.subarray(3 * 3, 4 * 3)]).toEqual([10, 11, 12]);
  });

  it('rejects image bytes that do not match count x size x size', () => {
    expect(() => parseSamplesIndex(base, 7)).toThrow(/expected 2 images of 2x2/);
  });

  it('names the file and the field of a malformed index', () => {
    expect(() => parseSamplesIndex({ ...base, labels: [1, 'x'] }, 8)).toThrow('samples/index.json: labels must be an array of class numbers, got [1,"x"]');
    expect(() => parseSamplesIndex({ ...base, count: undefined }, 8)).toThrow('samples/index.json: count must be an integer >= 0, got undefined');
    expect(() => parseSamplesIndex({ ...base, classNames: 'a,b' }, 8)).toThrow('samples/index.json: classNames must be an array of strings, got "a,b"');
    expect(() => parseSamplesIndex([base], 8)).toThrow('samples/index.json: the file must be an object, got [');
  });

  it('drops malformed representations but keeps the images', () => {
    const ragged = parseSamplesIndex({ ...base, representations: [[1, 2], [3]] }, 8);
    expect(ragged.points).toBeNull();
    expect(ragged.count).toBe(2);
    expect(parseSamplesIndex({ ...base, representations: [[1, 2], [3, Number.NaN]] }, 8).points).toBeNull();
    // The model's dimension wins over the file's: 2-d vectors for an 8-d model are refused.
    expect(parseSamplesIndex({ ...base, representations: [[1, 2], [3, 4]] }, 8, 8).points).toBeNull();
    expect(parseSamplesIndex(base, 8).points).toBeNull();
  });

  it('reads the shipped public/samples/index.json: 300 samples, 2000 backdrop points, 8-d', async () => {
    const index = await readRepoJson('public/samples/index.json');
    const parsed = parseSamplesIndex(index, (await readRepoFile('public/samples/images.bin')).length, 8);
    expect(parsed.count).toBe(300);
    expect(parsed.points).toMatchObject({ count: 2300, dim: 8, sampleCount: 300 });
  });
});
