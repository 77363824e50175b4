import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LatentEdit } from '../core/latent-edit.ts';
import { presetMask } from './mask.ts';
import { encodeMask } from './share.ts';
import { createAppStore, type AppStore } from './store.ts';
import { AutoEngine, startedStore } from './testing.ts';
import { branchChain, linkCaveat, parseHash, shareHash, syncWithHash, type BranchLevel } from './url.ts';


/** Lets the store's pending runs and the link's replay finish (the fake engine answers at once). */
async function drain(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** The store's link, checked: the run shown's chain is `levels` (complete), and the link parses back to it without a notice. */
function linkWith(store: AppStore, levels: readonly BranchLevel[]): string {
  expect(branchChain(store.getState())).toEqual({ complete: true, levels });
  const hash = shareHash(store.getState());
  const parsed = parseHash(hash);
  expect(parsed.notices).toEqual([]);
  expect(parsed.branch).toEqual(levels);
  return hash;
}

const asked = (fake: AutoEngine) => fake.requests.map((r) => ({ seed: r.seed, sampler: r.sampler, eta: r.eta, from: r.start?.fromStep ?? null, z: r.start?.z[0] ?? null }));

describe('branch chains in links', () => {
  const stores: AppStore[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.getState().actions.dispose();
    vi.useRealTimers();
  });

  /** A store with a started fake engine (disposed after the test). */
  async function opened(): Promise<{ fake: AutoEngine; store: AppStore }> {
    const fake = new AutoEngine();
    const store = await startedStore(fake);
    stores.push(store);
    return { fake, store };
  }

  /** A fresh store that opens `hash`, its engine started after the link is read (as on a page load), its replay finished. */
  async function reopened(hash: string): Promise<{ fake: AutoEngine; store: AppStore }> {
    const fake = new AutoEngine();
    const store = createAppStore({ engine: () => fake, defer: (fn) => fn(), memoryPollMs: 0 });
    stores.push(store);
    syncWithHash(store, { hash }, () => undefined);
    await store.getState().actions.startEngine();
    await drain();
    return { fake, store };
  }

  it('writes the chain of a branch of a branch and replays it: the same requests, the same frame', async () => {
    vi.useFakeTimers();
    const { fake: a, store: storeA } = await opened();
    const { actions } = storeA.getState();
    actions.setConfig({ steps: 20, sampler: 'ddpm', seed: 42 });
    await actions.generate();
    actions.setConfig({ seed: 7 });
    await actions.branch(10);
    actions.setConfig({ sampler: 'ddim', eta: 0.5 });
    await actions.branch(15);
    actions.seek(18);
    const hash = linkWith(storeA, [
      { step: 10, config: { sampler: 'ddpm', eta: 0, seed: 42 } },
      { step: 15, config: { sampler: 'ddpm', eta: 0 } },
    ]);
    expect(hash).toContain('br=10*sampler.ddpm*eta.0*seed.42%7E15*sampler.ddpm*eta.0');
    expect(linkCaveat(storeA.getState()).carries.join(', ')).toMatch(/branch chain \(2 runs before this one/);

    const { fake: b, store: storeB } = await reopened(hash);
    expect(asked(b)).toEqual(asked(a));
    const sB = storeB.getState();
    expect(sB.trajectory.status).toBe('done');
    expect(sB.player.frameIndex).toBe(18);
    expect(sB.history.nodes.map((n) => n.fromStep)).toEqual([0, 10, 15]);
    expect(sB.actions.getFrame(18)!.z).toEqual(storeA.getState().actions.getFrame(18)!.z);
    expect(sB.actions.getFrame(18)!.x0Hat).toEqual(storeA.getState().actions.getFrame(18)!.x0Hat);
    expect(sB.notices).toEqual([]);
  });

  it('a chain mixing setting branches and latent edits (each way round) round-trips through its link and replays the same runs', async () => {
    vi.useFakeTimers();
    const { fake: a, store: storeA } = await opened();
    const { actions } = storeA.getState();
    actions.setConfig({ steps: 12, sampler: 'ddpm', seed: 42 });
    await actions.generate();
    actions.setConfig({ seed: 7 });
    await actions.branch(4); // a setting branch, then an edit of it
    await drain();
    const paint: LatentEdit = { kind: 'paint', at: 6, sample: 0, dabs: [{ x: 0.5, y: 0.5, r: 2, s: 1.5 }, { x: 20, y: 9.5, r: 3, s: -0.25 }] };
    expect(actions.branchWithEdit(paint)).toBeNull();
    await drain();
    actions.setConfig({ sampler: 'ddim', eta: 0.5 }); // then a setting branch of the edited run
    await actions.branch(9);
    await drain();
    actions.seek(11);
    const hash = linkWith(storeA, [
      { step: 4, config: { sampler: 'ddpm', eta: 0, seed: 42 } },
      { step: 6, config: { sampler: 'ddpm', eta: 0 }, edit: paint },
      { step: 9, config: { sampler: 'ddpm', eta: 0 } },
    ]);
    expect(hash).toContain('br=4*sampler.ddpm*eta.0*seed.42%7E6*sampler.ddpm*eta.0*edit.p6.0_1.1.2.150_40.19.3.-25%7E9*sampler.ddpm*eta.0&');
    expect(linkCaveat(storeA.getState()).carries.join(', ')).toMatch(/branch chain \(3 runs before this one, 1 latent edit, replayed/);

    const { fake: b, store: storeB } = await reopened(hash);
    expect(asked(b)).toEqual(asked(a));
    expect(b.requests.map((r) => Array.from(r.start?.z ?? []))).toEqual(a.requests.map((r) => Array.from(r.start?.z ?? [])));
    const sB = storeB.getState();
    expect(sB.notices).toEqual([]);
    expect(sB.player.frameIndex).toBe(11);
    expect(sB.history.nodes.map((n) => [n.fromStep, n.edit ?? null])).toEqual([[0, null], [4, null], [6, paint], [9, null]]);
    for (const k of [0, 5, 6, 11]) expect(sB.actions.getFrame(k)!.z, `frame ${k}`).toEqual(storeA.getState().actions.getFrame(k)!.z);
  });

  it('an edit that does not fit its run stops the replay there with a notice; the runs before it stay', async () => {
    vi.useFakeTimers();
    const { store } = await reopened('#steps=6&seed=3&frame=5&br=2*seed.5~4*edit.r9.1');
    const s = store.getState();
    expect(s.history.nodes.map((n) => n.fromStep)).toEqual([0, 2]);
    expect(s.notices.map((n) => n.text)).toEqual([
      "The link's latent edit (x̂₀ of step 9 re-noised to step 1, run 3 of 3) was not applied: Frame 9 cannot be edited: pick a frame in 0..5 (the last frame has no step left to continue). The runs before it stay.",
    ]);
  });

  it('carries a mask that changed along the chain', async () => {
    vi.useFakeTimers();
    const { store } = await opened();
    const { actions } = store.getState();
    // inpainting needs the test images: give the editor a drawn image instead, which no link carries
    actions.setConfig({ mode: 'inpaint', steps: 6 });
    actions.pickDrawnImage();
    await actions.generate();
    actions.applyMaskPreset('left');
    await actions.branch(2);
    expect(branchChain(store.getState()).complete).toBe(false);
    expect(linkCaveat(store.getState()).missing.join(' ')).toMatch(/your own image/);
    expect(shareHash(store.getState())).not.toContain('br=');
  });

  it('rejects a malformed chain with a notice naming the run and the key', () => {
    const cases: [string, RegExp][] = [
      ['x', /\(run 1: "x" is not a step; each run is a step, then \*key\.value settings\)\.$/],
      ['10*seed.abc', /\(run 1, seed: not a number\)\.$/],
      ['3~10*steps.5000', /\(run 2, steps: out of range\)\.$/],
      ['10*nope.1', /\(run 1: "nope" is not a setting; valid: mode, sampler, .*, point, edit\)\.$/],
      ['10*seed.1*seed.2', /\(run 1: seed given twice\)\.$/],
      ['3*edit.r2.1*edit.r2.0', /\(run 1: edit given twice\)\.$/],
      ['3*seed.1~4*edit.p3.0_1.2', /\(run 2, edit: not a latent edit: p<step>\.<sample>_.*, or r<step>\.<to step>\)\.$/],
      [Array(17).fill('1').join('~'), /\(valid: up to 16 runs separated by ~/],
    ];
    for (const [text, why] of cases) {
      const parsed = parseHash(`#seed=9&br=${encodeURIComponent(text)}`);
      expect(parsed.branch, text).toBeUndefined();
      expect(parsed.config, text).toEqual({ seed: 9 }); // the rest of the link stays
      expect(parsed.notices, text).toHaveLength(1);
      expect(parsed.notices[0], text).toMatch(/^Ignored br = /);
      expect(parsed.notices[0], text).toMatch(why);
    }
    const mask = presetMask('left', 32);
    expect(parseHash(`#br=3*mask.${encodeMask(mask)}~5*img.12`).branch).toMatchObject([{ step: 3, mask }, { step: 5, testIndex: 12 }]);
  });
});
