import { describe, expect, it } from 'vitest';
import { presetMask } from './mask.ts';
import { decodeMask, encodeMask } from './share.ts';
import { DEFAULT_CONFIG, createAppStore } from './store.ts';
import { hashOf, parseHash, shareHash, syncWithHash } from './url.ts';

function randomMask(seed: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length: 1024 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 1);
}

describe('mask encoding', () => {
  it('round-trips presets (run-length) and noisy masks (bits), and is compact', () => {
    for (const m of [presetMask('right', 32), presetMask('box', 32), presetMask('all', 32), presetMask('none', 32), randomMask(3), randomMask(9)]) {
      const text = encodeMask(m);
      expect(decodeMask(text)).toEqual(m);
      expect(text.length).toBeLessThanOrEqual(172);
    }
    expect(encodeMask(presetMask('box', 32)).startsWith('r')).toBe(true);
    expect(encodeMask(randomMask(3)).startsWith('b')).toBe(true);
  });

  it('rejects invalid text', () => {
    const good = encodeMask(presetMask('box', 32));
    expect(decodeMask(`${good}.1`)).toBeNull(); // runs total more than 1024
    expect(decodeMask('r1.400')).toBeNull(); // '400' in base 36 is 5184 cells, more than 1024
    expect(decodeMask('r2.1024')).toBeNull();
    expect(decodeMask('rx')).toBeNull();
    expect(decodeMask('b' + 'A'.repeat(170))).toBeNull(); // one character short
    expect(decodeMask('b' + '*'.repeat(171))).toBeNull();
    expect(decodeMask('zzz')).toBeNull();
    expect(() => encodeMask(new Float32Array(10))).toThrow(/1024/);
  });
});

describe('URL share extras', () => {
  it('round-trips frame, test image, mask, compare and explain', () => {
    const mask = presetMask('box', 32);
    const config = { ...DEFAULT_CONFIG, mode: 'inpaint' as const };
    const parsed = parseHash(hashOf(config, 'x0', { frame: 12, testIndex: 37, mask, compare: { sampler: 'ddpm', eta: 0.5, labelGuidance: 3, driftGuidance: 0, steps: 20 }, explain: false }));
    expect(parsed.frame).toBe(12);
    expect(parsed.testIndex).toBe(37);
    expect(parsed.mask).toEqual(mask);
    expect(parsed.compare).toEqual({ sampler: 'ddpm', eta: 0.5, labelGuidance: 3, driftGuidance: 0, steps: 20 });
    expect(parsed.explain).toBe(false);
    expect(parsed.config.mode).toBe('inpaint');
  });

  it('drops invalid extras', () => {
    const parsed = parseHash('#frame=-3&img=abc&mask=r1.5&cmp=lms~0~0~20&explain=maybe');
    expect(parsed).toMatchObject({ config: {} });
    expect(parsed.notices).toHaveLength(5); // each invalid extra is named
    expect(Object.keys(parsed).sort()).toEqual(['config', 'notices']);
    expect(parseHash('#cmp=ddim~x~0~20').compare).toBeUndefined();
    expect(parseHash('#cmp=ddim~0.3~2~99999').compare).toEqual({ sampler: 'ddim', eta: 0.3, labelGuidance: 2, driftGuidance: 0, steps: 1000 });
  });

  it('applies a link to the store: image, mask, compare; shareHash writes them back with the frame', () => {
    const store = createAppStore({ memoryPollMs: 0 });
    const mask = presetMask('left', 32);
    const hash = hashOf({ ...DEFAULT_CONFIG, mode: 'inpaint', seed: 5 }, 'masked', { testIndex: 4, mask, compare: { sampler: 'ddim', eta: 1, labelGuidance: 0, driftGuidance: 0, steps: 10 } });
    const writes: string[] = [];
    const stop = syncWithHash(store, { hash }, (h) => writes.push(h));
    const s = store.getState();
    expect(s.editor.testIndex).toBe(4);
    expect(s.editor.mask).toEqual(mask);
    expect(s.compare.enabled).toBe(true);
    expect(s.compare.knobs).toEqual({ sampler: 'ddim', eta: 1, labelGuidance: 0, driftGuidance: 0, steps: 10 });
    const again = parseHash(shareHash(s));
    expect(again.mask).toEqual(mask);
    expect(again.testIndex).toBe(4);
    expect(again.frame).toBeUndefined(); // no frames yet
    expect(parseHash(writes.at(-1)!).compare?.eta).toBe(1);
    stop();
  });
});

describe('copy link after the controls changed', () => {
  it('describes the run on screen (its settings and frame), not the edited controls', async () => {
    const { createAppStore: create } = await import('./store.ts');
    const frames: unknown[] = [];
    const engine = {
      init: () => Promise.resolve({ backend: { chosen: 'cpu' as const, preference: 'auto' as const, attempts: [], summary: '' }, config: {}, trained: true, weightsBytes: 0, loadMs: 0, warmupMs: 0 }),
      run: (r: { runId: string; steps: number; batch: number }, onFrame: (f: never) => void) => {
        for (let i = 0; i <= r.steps; i++) {
          const n = r.batch * 1024;
          const f = { runId: r.runId, index: i, t: 1000 - i, z: new Float32Array(n), x0Hat: new Float32Array(n), masked: new Float32Array(n), sketch: new Float32Array(n), labelProbs: new Float32Array(r.batch * 10), repr: new Float32Array(8 * r.batch), drift: new Float32Array(n), ms: 1 };
          frames.push(f);
          onFrame(f as never);
        }
        return Promise.resolve('done' as const);
      },
      cancel: () => undefined,
      memory: () => ({ numTensors: 0, numBytes: 0 }),
      setBackend: () => Promise.reject(new Error('no')),
    };
    const store = create({ engine: () => engine, defer: (fn) => fn(), memoryPollMs: 0 });
    await store.getState().actions.startEngine();
    store.getState().actions.setConfig({ seed: 5, steps: 4 });
    await store.getState().actions.generate();
    store.getState().actions.seek(2);
    store.getState().actions.setConfig({ seed: 99 });
    const linked = parseHash(shareHash(store.getState()));
    expect(linked.config.seed).toBe(5);
    expect(linked.frame).toBe(2);
    const bar = parseHash(shareHash(store.getState(), false));
    expect(bar.config.seed).toBe(99);
    expect(bar.frame).toBeUndefined();
    store.getState().actions.dispose();
  });
});

describe('share extras with the sketch and representation inputs', () => {
  it('one hash carries the x0 source, the mode input and the share extras; a link applies them all', () => {
    const drawn = new Float32Array(1024).fill(1, 200, 260);
    const sketchHash = hashOf({ ...DEFAULT_CONFIG, mode: 'sketch', x0From: 'eps' }, 'sketch', {
      sketch: { kind: 'drawn', sketch: drawn },
      point: 4,
      frame: 7,
      compare: { sampler: 'ddpm', eta: 0, labelGuidance: 0, driftGuidance: 0, steps: 20 },
      explain: false,
    });
    expect(sketchHash).toContain('x0=eps');
    const parsed = parseHash(sketchHash);
    expect(parsed).toMatchObject({ config: { mode: 'sketch', x0From: 'eps' }, head: 'sketch', frame: 7, explain: false });
    expect(parsed.sketch?.kind === 'drawn' && parsed.sketch.sketch).toEqual(drawn);
    expect(parsed.point).toBeUndefined(); // only the current mode's input
    expect(parsed.compare).toEqual({ sampler: 'ddpm', eta: 0, labelGuidance: 0, driftGuidance: 0, steps: 20 });

    const store = createAppStore({ memoryPollMs: 0 });
    const writes: string[] = [];
    const stop = syncWithHash(store, { hash: '#mode=representation&x0=eps&point=12&cmp=ddim~0.5~0~10&explain=0' }, (h) => writes.push(h));
    const s = store.getState();
    expect(s.config).toMatchObject({ mode: 'representation', x0From: 'eps' });
    expect(s.editor.reprPoint).toBe(12);
    expect(s.compare).toMatchObject({ enabled: true, knobs: { sampler: 'ddim', eta: 0.5, labelGuidance: 0, driftGuidance: 0, steps: 10 } });
    expect(s.view.explain).toBe(false);
    expect(parseHash(writes.at(-1)!)).toMatchObject({ config: { x0From: 'eps' }, point: 12, explain: false, compare: { eta: 0.5 } });
    stop();
  });

  it('copy link names the sketch of the run on screen, not one drawn since', async () => {
    const engine = {
      init: () => Promise.resolve({ backend: { chosen: 'cpu' as const, preference: 'auto' as const, attempts: [], summary: '' }, config: {}, trained: true, weightsBytes: 0, loadMs: 0, warmupMs: 0 }),
      run: (r: { runId: string; steps: number; batch: number }, onFrame: (f: never) => void) => {
        for (let i = 0; i <= r.steps; i++) {
          const n = r.batch * 1024;
          onFrame({ runId: r.runId, index: i, t: 1000 - i, z: new Float32Array(n), x0Hat: new Float32Array(n), masked: new Float32Array(n), sketch: new Float32Array(n), labelProbs: new Float32Array(r.batch * 10), repr: new Float32Array(8 * r.batch), drift: new Float32Array(n), ms: 1 } as never);
        }
        return Promise.resolve('done' as const);
      },
      cancel: () => undefined,
      memory: () => ({ numTensors: 0, numBytes: 0 }),
      setBackend: () => Promise.reject(new Error('no')),
    };
    const store = createAppStore({ engine: () => engine, defer: (fn) => fn(), memoryPollMs: 0 });
    const { actions } = store.getState();
    await actions.startEngine();
    const first = new Float32Array(1024).fill(1, 0, 32);
    actions.setSketch(first);
    actions.setConfig({ mode: 'sketch', steps: 4 });
    await actions.generate();
    actions.seek(3);
    actions.clearSketch(); // the controls move on; the run on screen keeps its sketch
    const linked = parseHash(shareHash(store.getState()));
    expect(linked.frame).toBe(3);
    expect(linked.sketch?.kind === 'drawn' && linked.sketch.sketch).toEqual(first);
    const bar = parseHash(shareHash(store.getState(), false));
    expect(bar.sketch?.kind === 'drawn' && bar.sketch.sketch.every((v) => v === 0)).toBe(true);
    actions.dispose();
  });
});
