import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { branchChanges, branchRetraces, treeOrder } from './branches.ts';
import { compareIndex, frameDiff } from './compare.ts';
import { DEFAULT_CONFIG, type AppStore, type RunSummary } from './store.ts';
import { AutoEngine, startedStore } from './testing.ts';

describe('branches and history', () => {
  let fake: AutoEngine;
  let store: AppStore;
  beforeEach(async () => {
    vi.useFakeTimers();
    fake = new AutoEngine();
    store = await startedStore(fake);
    store.getState().actions.setConfig({ steps: 6, seed: 3 });
  });
  afterEach(() => {
    store.getState().actions.dispose();
    vi.useRealTimers();
  });

  it('a branch keeps the parent frames 0..k-1, starts the engine from z_k, and both runs stay in the history', async () => {
    const { actions } = store.getState();
    await actions.generate();
    const parentId = store.getState().trajectory.runId!;
    const parentZ = [0, 1, 2, 3].map((i) => actions.getFrame(i)!.z);
    actions.seek(3);
    actions.setConfig({ seed: 8, sampler: 'ddpm' });
    await actions.branch();
    const s = store.getState();
    const req = fake.requests.at(-1)!;
    expect(req.start?.fromStep).toBe(3);
    expect(req.start?.z[0]).toBe(3003);
    expect(req.seed).toBe(8);
    expect(req.sampler).toBe('ddpm');
    expect(s.trajectory.runId).not.toBe(parentId);
    expect(s.trajectory.frameCount).toBe(7);
    for (let i = 0; i < 3; i++) {
      expect(actions.getFrame(i)!.z).toBe(parentZ[i]); // the same arrays: nothing recomputed
      expect(actions.getFrame(i)!.runId).toBe(s.trajectory.runId);
    }
    expect(actions.getFrame(3)!.z[0]).toBe(3003);
    expect(s.history.nodes.map((n) => [n.parentId, n.fromStep, n.status])).toEqual([
      [null, 0, 'done'],
      [parentId, 3, 'done'],
    ]);
    expect(treeOrder(s.history.nodes).map((e) => e.depth)).toEqual([0, 1]);

    actions.openRun(parentId);
    expect(store.getState().trajectory.runId).toBe(parentId);
    expect(store.getState().config).toMatchObject({ seed: 3, sampler: DEFAULT_CONFIG.sampler });
    expect(actions.getFrame(6)!.z[0]).toBe(3006);
    expect(fake.requests).toHaveLength(2); // reopening recomputed nothing
  });

  it("a DPM++ 2M branch carries frame k - 1's x0Hat (its history), the NFE so far and the parent's spacing", async () => {
    const { actions } = store.getState();
    actions.setConfig({ sampler: 'dpmpp_2m', spacing: 'karras' });
    await actions.generate();
    actions.seek(3);
    actions.setConfig({ seed: 9, spacing: 'trailing' });
    await actions.branch();
    const req = fake.requests.at(-1)!;
    expect(req).toMatchObject({ sampler: 'dpmpp_2m', spacing: 'karras', seed: 9 });
    expect(req.start?.prevX0).toEqual(actions.getFrame(2)!.x0Hat);
    expect(store.getState().config.spacing).toBe('karras');
  });

  it('raises a step count the sampler cannot take to its fewest, with a notice that says why', () => {
    const { actions } = store.getState();
    actions.setConfig({ sampler: 'dpmpp_2m', steps: 1 });
    expect(store.getState().config).toMatchObject({ sampler: 'dpmpp_2m', steps: 3 });
    expect(store.getState().notices.at(-1)?.text).toBe('steps: DPM++ 2M needs at least 3 steps (its first and last steps are first order), got 1; using 3.');
    actions.setConfig({ sampler: 'ddim', steps: 1 });
    expect(store.getState().config.steps).toBe(1);
  });

  it('refuses a branch from the last frame or in classify mode', async () => {
    const { actions } = store.getState();
    await actions.generate();
    await actions.branch(6);
    expect(fake.requests).toHaveLength(1);
    expect(store.getState().trajectory.error?.message).toMatch(/0\.\.5/);
  });

  it('compare runs B from the same seed with its knobs after A', async () => {
    const { actions } = store.getState();
    actions.setCompare({ enabled: true, sampler: 'ddpm', steps: 3 });
    await actions.generate();
    await vi.runAllTimersAsync();
    const s = store.getState();
    const b = fake.requests.at(-1)!;
    expect(fake.requests).toHaveLength(2);
    expect(b).toMatchObject({ seed: 3, sampler: 'ddpm', steps: 3 });
    expect(s.compare).toMatchObject({ status: 'done', frameCount: 4, baseRunId: s.trajectory.runId });
    expect(actions.getCompareFrame(0)!.z).toEqual(actions.getFrame(0)!.z);
    const d = frameDiff(actions.getFrame(6)!, actions.getCompareFrame(compareIndex(6, 6, 3))!, 0);
    expect(d.x0MeanAbs).toBeCloseTo(0.5, 6);
    expect(d.zRms).toBeCloseTo(3, 6); // 3006 vs 3003
    expect(d.labelTv).toBe(0);
  });

  it('compare and branch carry the x0 source and the sketch / representation inputs', async () => {
    const { actions } = store.getState();
    const rows = [0, 0, 1, 1, 1, 1, 1, 1, 3, 3, 2, 2, 2, 2, 2, 2];
    const points = { count: 2, dim: 8, reprs: Float32Array.from(rows), labels: Int32Array.from([0, 5]), sampleCount: 0 };
    store.setState((st) => ({ samples: { ...st.samples, status: 'ready', points } }));
    actions.setConfig({ mode: 'representation', x0From: 'eps' });
    actions.pickReprPoint(1);
    actions.setCompare({ enabled: true, sampler: 'ddpm', steps: 3 });
    await actions.generate();
    await vi.runAllTimersAsync();
    const [a, b] = fake.requests;
    expect(a).toMatchObject({ mode: 'representation', x0From: 'eps' });
    expect([...a!.repr!]).toEqual([3, 3, 2, 2, 2, 2, 2, 2]);
    expect(b).toMatchObject({ mode: 'representation', x0From: 'eps', sampler: 'ddpm', steps: 3 });
    expect([...b!.repr!]).toEqual([3, 3, 2, 2, 2, 2, 2, 2]);
    expect(store.getState().compare.run).toMatchObject({ reprPoint: 1, x0From: 'eps' });

    const sketch = new Float32Array(1024).fill(1, 0, 64);
    actions.setSketch(sketch);
    actions.setConfig({ mode: 'sketch', x0From: 'masked' });
    await actions.generate();
    await vi.runAllTimersAsync();
    actions.seek(2);
    await actions.branch();
    const br = fake.requests.at(-1)!;
    expect(br).toMatchObject({ mode: 'sketch', x0From: 'masked', start: { fromStep: 2 } });
    expect(br.sketch).toEqual(sketch);
    expect(store.getState().trajectory.run).toMatchObject({ mode: 'sketch', repr: null, reprPoint: null, testIndex: null, sketchIndex: null });
    expect(store.getState().trajectory.run?.sketch).toEqual(sketch);
  });

  it('a branch whose input is missing says why and sends nothing', async () => {
    const { actions } = store.getState();
    await actions.generate();
    const sent = fake.requests.length;
    actions.setConfig({ mode: 'representation' }); // no map loaded
    actions.seek(2);
    await actions.branch();
    expect(fake.requests).toHaveLength(sent);
    expect(store.getState().trajectory.error?.kind).toBe('input');
    expect(store.getState().trajectory.error?.message).toMatch(/map/);
  });

  it('names what a branch changed, the x0 source and the mode inputs included', () => {
    const sketch = new Float32Array(1024);
    // Guidances set here, not taken from DEFAULT_CONFIG, so the branch's values below are changes whatever the defaults.
    const parent: RunSummary = { ...DEFAULT_CONFIG, labelGuidance: 0, driftGuidance: 0, runId: 'a', image: null, mask: null, trueLabel: null, sketch, repr: null, reprPoint: null, testIndex: null, sketchIndex: null };
    expect(branchChanges(parent, { ...parent, runId: 'b' })).toBe('same settings');
    expect(branchChanges(parent, { ...parent, runId: 'b', seed: 7, x0From: 'eps', sketch: new Float32Array(1024).fill(1, 0, 3) })).toBe('seed 7, x̂₀ from eps, sketch');
    expect(branchChanges(parent, { ...parent, runId: 'b', driftGuidance: 2, labelGuidance: 1 })).toBe('label guidance 1, drift guidance 2');
    // Label commitment matters in joint mode only (DEFAULT_CONFIG's mode).
    expect(branchChanges(parent, { ...parent, runId: 'b', labelCommit: 0.5 })).toBe('label commitment 0.5');
    expect(branchChanges({ ...parent, mode: 'sketch' }, { ...parent, mode: 'sketch', runId: 'b', labelCommit: 0.5 })).toBe('same settings');
    expect(branchChanges({ ...parent, sketch: null, reprPoint: 1 }, { ...parent, sketch: null, reprPoint: 4 })).toBe('point 4');
  });

  it('knows when a branch would retrace its parent: nothing changed, or only the seed under DDIM η = 0', () => {
    const parent: RunSummary = { ...DEFAULT_CONFIG, runId: 'a', image: null, mask: null, trueLabel: null, sketch: null, repr: null, reprPoint: null, testIndex: null, sketchIndex: null };
    expect(branchRetraces(parent, { ...parent }, null)).toBe('same');
    expect(branchRetraces(parent, { ...parent, steps: 999, batch: 16 }, null)).toBe('same'); // a branch keeps the parent's
    expect(branchRetraces(parent, { ...parent, seed: 7 }, null)).toBe('seed');
    expect(branchRetraces(parent, { ...parent, seed: 7, sampler: 'ddpm' }, null)).toBeNull();
    expect(branchRetraces(parent, { ...parent, seed: 7, eta: 0.5 }, null)).toBeNull();
    expect(branchRetraces(parent, { ...parent, labelGuidance: 2 }, null)).toBeNull();
    // The class acts in class-conditional mode only.
    expect(branchRetraces(parent, { ...parent, classId: 3 }, null)).toBe('same');
    expect(branchRetraces({ ...parent, mode: 'conditional' }, { ...parent, mode: 'conditional', classId: 3 }, null)).toBeNull();
    // Inpainting: paste draws noise every step (the seed matters), and the mask is compared.
    const mask = new Float32Array(1024).fill(1);
    const inpaint: RunSummary = { ...parent, mode: 'inpaint', mask, paste: true };
    expect(branchRetraces(inpaint, { ...inpaint, seed: 7 }, mask)).toBeNull();
    expect(branchRetraces({ ...inpaint, paste: false }, { ...inpaint, paste: false, seed: 7 }, mask)).toBe('seed');
    expect(branchRetraces(inpaint, { ...inpaint }, new Float32Array(1024))).toBeNull();
  });

  it('maps frames across step counts', () => {
    expect(compareIndex(0, 50, 10)).toBe(0);
    expect(compareIndex(50, 50, 10)).toBe(10);
    expect(compareIndex(25, 50, 10)).toBe(5);
    expect(compareIndex(5, 10, 50)).toBe(25);
  });
});
