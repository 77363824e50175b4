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
    const parsed = parseHash('#mode=sketch&steps=99999&seed=abc&batch=3&head=repr&eta=-1');
    expect(parsed.config).toEqual({ steps: 1000, eta: 0 });
    expect(parsed.head).toBeUndefined();
    expect(parsed.notices).toHaveLength(6); // mode, seed, batch, head rejected; steps, eta clamped
    expect(parsed.notices.join('\n')).toMatch(/steps = "99999" is out of range; using 1000/);
  });

  it('rejects hostile values with a notice that quotes them as text', () => {
    const parsed = parseHash(`#mode=${encodeURIComponent('<img src=x onerror=alert(1)>')}&seed=-5&steps=1e9&mask=${'0'.repeat(900)}`);
    expect(parsed.config).toEqual({ seed: 0, steps: 1000 });
    expect(parsed.notices).toEqual([
      'Ignored a setting this page does not have: "mask".',
      'Ignored mode = "<img src=x onerror=alert(1)>" from the link (valid: joint, conditional, inpaint, classify, unconditional).',
      'steps = "1000000000" is out of range; using 1000.',
      'seed = "-5" is out of range; using 0.',
    ]);
    const huge = parseHash(`#mode=joint&mask=${'1'.repeat(5000)}`);
    expect(huge.config).toEqual({});
    expect(huge.notices[0]).toMatch(/ignored/);
    expect(parseHash(hashOf(DEFAULT_CONFIG, 'z')).notices).toEqual([]);
  });

  it('applies the hash to the store and follows later changes', () => {
    const store = createAppStore({ memoryPollMs: 0 });
    const writes: string[] = [];
    const stop = syncWithHash(store, { hash: '#seed=7&mode=classify&head=x0' }, (h) => writes.push(h));
    expect(store.getState().config).toMatchObject({ seed: 7, mode: 'classify' });
    expect(store.getState().view.head).toBe('x0');
    expect(store.getState().notices).toEqual([]);
    store.getState().actions.setConfig({ steps: 10 });
    expect(parseHash(writes.at(-1)!).config.steps).toBe(10);
    stop();
  });
});
