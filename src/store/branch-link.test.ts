import { afterEach, describe, expect, it, vi } from 'vitest';
import { presetMask } from './mask.ts';
import { encodeMask } from './share.ts';
import { createAppStore, type AppStore } from './store.ts';
import { AutoEngine } from './testing.ts';
import { branchChain, linkCaveat, parseHash, shareHash, syncWithHash } from './url.ts';

async function started(fake: AutoEngine): Promise<AppStore> {
  const store = createAppStore({ engine: () => fake, defer: (fn) => fn(), memoryPollMs: 0 });
  await store.getState().actions.startEngine();
  return store;
}

/** Lets the store's pending runs and the link's replay finish (the fake engine answers at once). */
async function drain(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

const asked = (fake: AutoEngine) => fake.requests.map((r) => ({ seed: r.seed, sampler: r.sampler, eta: r.eta, from: r.start?.fromStep ?? null, z: r.start?.z[0] ?? null }));

describe('branch chains in links', () => {
  const stores: AppStore[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.getState().actions.dispose();
    vi.useRealTimers();
  });

  it('writes the chain of a branch of a branch and replays it: the same requests, the same frame', async () => {
    vi.useFakeTimers();
    const a = new AutoEngine();
    const storeA = await started(a);
    stores.push(storeA);
    const { actions } = storeA.getState();
    actions.setConfig({ steps: 20, sampler: 'ddpm', seed: 42 });
    await actions.generate();
    actions.setConfig({ seed: 7 });
    await actions.branch(10);
    actions.setConfig({ sampler: 'ddim', eta: 0.5 });
    await actions.branch(15);
    actions.seek(18);
    const chain = branchChain(storeA.getState());
    expect(chain.complete).toBe(true);
    expect(chain.levels).toEqual([
      { step: 10, config: { sampler: 'ddpm', eta: 0, seed: 42 } },
      { step: 15, config: { sampler: 'ddpm', eta: 0 } },
    ]);
    const hash = shareHash(storeA.getState());
    expect(hash).toContain('br=10*sampler.ddpm*eta.0*seed.42%7E15*sampler.ddpm*eta.0');
    const parsed = parseHash(hash);
    expect(parsed.notices).toEqual([]);
    expect(parsed.branch).toEqual(chain.levels);
    expect(linkCaveat(storeA.getState()).carries.join(', ')).toMatch(/branch chain \(2 runs before this one/);

    const b = new AutoEngine();
    const storeB = createAppStore({ engine: () => b, defer: (fn) => fn(), memoryPollMs: 0 });
    stores.push(storeB);
    syncWithHash(storeB, { hash }, () => undefined);
    await storeB.getState().actions.startEngine();
    await drain();
    expect(asked(b)).toEqual(asked(a));
    const sB = storeB.getState();
    expect(sB.trajectory.status).toBe('done');
    expect(sB.player.frameIndex).toBe(18);
    expect(sB.history.nodes.map((n) => n.fromStep)).toEqual([0, 10, 15]);
    expect(sB.actions.getFrame(18)!.z).toEqual(storeA.getState().actions.getFrame(18)!.z);
    expect(sB.actions.getFrame(18)!.x0Hat).toEqual(storeA.getState().actions.getFrame(18)!.x0Hat);
    expect(sB.notices).toEqual([]);
  });

  it('carries a mask that changed along the chain', async () => {
    vi.useFakeTimers();
    const a = new AutoEngine();
    const store = await started(a);
    stores.push(store);
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

  it('rejects a malformed chain with a notice', () => {
    for (const text of ['x', '10*seed.abc', '10*steps.5000', '10*nope.1', '10*seed.1*seed.2', Array(17).fill('1').join('~')]) {
      const parsed = parseHash(`#br=${encodeURIComponent(text)}`);
      expect(parsed.branch, text).toBeUndefined();
      expect(parsed.notices.join(' '), text).toMatch(/^Ignored br = /);
    }
    const mask = presetMask('left', 32);
    expect(parseHash(`#br=3*mask.${encodeMask(mask)}~5*img.12`).branch).toMatchObject([{ step: 3, mask }, { step: 5, testIndex: 12 }]);
  });
});
