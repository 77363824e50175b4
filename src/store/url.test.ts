import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, createAppStore } from './store.ts';
import { hashOf, parseHash, syncWithHash } from './url.ts';

describe('URL hash', () => {
  it('round-trips the run config and head', () => {
    const config = { ...DEFAULT_CONFIG, mode: 'conditional' as const, sampler: 'ddpm' as const, steps: 250, eta: 0.5, seed: 123456, batch: 16 as const, classId: 7, guidance: 2.5, clipX0: false };
    const parsed = parseHash(hashOf(config, 'label'));
    expect(parsed.config).toEqual(config);
    expect(parsed.head).toBe('label');
  });

  it('ignores junk and clamps out-of-range values', () => {
    const parsed = parseHash('#mode=sketches&steps=99999&seed=abc&batch=3&head=reprs&eta=-1&sketch=t-1&point=1e3');
    expect(parsed).toEqual({ config: { steps: 1000, eta: 0 } });
  });

  it('round-trips the sketch of a test image, a drawn sketch and a map point, each in its own mode only', () => {
    const sketchMode = { ...DEFAULT_CONFIG, mode: 'sketch' as const };
    expect(parseHash(hashOf(sketchMode, 'sketch', { sketch: { kind: 'test', index: 12 }, point: 5 }))).toMatchObject({
      config: { mode: 'sketch' },
      head: 'sketch',
      sketch: { kind: 'test', index: 12 },
    });
    expect(parseHash(hashOf(sketchMode, 'x0', { point: 5 })).point).toBeUndefined();
    const drawn = new Float32Array(1024);
    drawn.fill(1, 100, 140);
    const parsed = parseHash(hashOf(sketchMode, 'x0', { sketch: { kind: 'drawn', sketch: drawn } }));
    expect(parsed.sketch?.kind === 'drawn' && parsed.sketch.sketch).toEqual(drawn);
    const reprMode = { ...DEFAULT_CONFIG, mode: 'representation' as const };
    expect(parseHash(hashOf(reprMode, 'repr', { sketch: { kind: 'test', index: 1 }, point: 1234 }))).toEqual({
      config: { ...reprMode },
      head: 'repr',
      point: 1234,
    });
    expect(parseHash('#sketch=dAAAA').sketch).toBeUndefined(); // too short for 32x32
  });

  it('a link restores the sketch and the map point into the editor', () => {
    const store = createAppStore({ memoryPollMs: 0 });
    const writes: string[] = [];
    const stop = syncWithHash(store, { hash: '#mode=sketch&sketch=t7&point=99' }, (h) => writes.push(h));
    expect(store.getState().editor).toMatchObject({ sketchSource: 'test', testIndex: 7, reprPoint: 99 });
    expect(parseHash(writes.at(-1)!).sketch).toEqual({ kind: 'test', index: 7 });
    store.getState().actions.setConfig({ mode: 'representation' });
    expect(parseHash(writes.at(-1)!)).toMatchObject({ point: 99 });
    expect(parseHash(writes.at(-1)!).sketch).toBeUndefined();
    stop();
  });

  it('applies the hash to the store and follows later changes', () => {
    const store = createAppStore({ memoryPollMs: 0 });
    const writes: string[] = [];
    const stop = syncWithHash(store, { hash: '#seed=7&mode=classify&head=x0' }, (h) => writes.push(h));
    expect(store.getState().config).toMatchObject({ seed: 7, mode: 'classify' });
    expect(store.getState().view.head).toBe('x0');
    store.getState().actions.setConfig({ steps: 10 });
    expect(parseHash(writes.at(-1)!).config.steps).toBe(10);
    stop();
  });
});
