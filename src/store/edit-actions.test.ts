import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { paintLatent, renoiseLatent, renoiseNoise, type LatentEdit } from '../core/index.ts';
import type { Frame, RunRequest } from '../engine/protocol.ts';
import { createAppStore, type AppStore } from './store.ts';
import { scheduleTables } from './teach.ts';
import { AutoEngine, startedStore } from './testing.ts';
import { syncWithHash } from './url.ts';

/** z of frame k: a ramp over the pixels plus k (a branch continues its start z plus k - fromStep); x^_0 and drift known too. */
function frameOf(request: RunRequest, index: number): Frame {
  const n = request.batch * 1024;
  const start = request.start;
  const z = start ? start.z.map((v) => v + index - start.fromStep) : new Float32Array(n).map((_, i) => (i % 1024) / 1024 + index);
  return {
    runId: request.runId, index, t: Math.round(1000 * (1 - index / request.steps)),
    z, x0Hat: new Float32Array(n).fill(index / 10), masked: new Float32Array(n), sketch: new Float32Array(n),
    labelProbs: new Float32Array(request.batch * 10).fill(0.1), repr: new Float32Array(request.batch * 8), drift: new Float32Array(n).fill(index / 100), ms: 1,
  };
}

describe('latent editing (store)', () => {
  let fake: AutoEngine;
  let store: AppStore;
  beforeEach(async () => {
    vi.useFakeTimers();
    fake = new AutoEngine(frameOf);
    store = await startedStore(fake);
    store.getState().actions.setConfig({ steps: 6, seed: 3 });
  });
  afterEach(() => {
    store.getState().actions.dispose();
    vi.useRealTimers();
  });

  it('paint: the branch keeps frames 0..k-1, starts from the painted z_k with the parent\'s settings, and records the edit', async () => {
    const { actions } = store.getState();
    await actions.generate();
    const parentId = store.getState().trajectory.runId!;
    const parentFrames = [0, 1, 2, 3].map((i) => actions.getFrame(i)!);
    actions.setConfig({ seed: 8 }); // the controls changed since: the edit keeps the parent's seed
    const edit: LatentEdit = { kind: 'paint', at: 3, sample: 0, dabs: [{ x: 10.5, y: 4, r: 3, s: 1.5 }] };
    expect(actions.branchWithEdit(edit)).toBeNull();
    await vi.waitFor(() => expect(store.getState().trajectory.status).toBe('done'));
    const req = fake.requests.at(-1)!;
    expect(req.seed).toBe(3);
    expect(req.start!.fromStep).toBe(3);
    expect(Array.from(req.start!.z)).toEqual(Array.from(paintLatent(parentFrames[3]!.z, 32, edit)));
    expect(Array.from(req.start!.z)).not.toEqual(Array.from(parentFrames[3]!.z));
    for (let i = 0; i < 3; i++) expect(actions.getFrame(i)!.z).toBe(parentFrames[i]!.z); // the same arrays
    const node = store.getState().history.nodes.at(-1)!;
    expect(node).toMatchObject({ parentId, fromStep: 3, edit });
    expect(store.getState().trajectory.run!.seed).toBe(3);
  });

  it('renoise: x^_0 of frame k diffused to frame j with frame j\'s drift and the renoise stream', async () => {
    const { actions } = store.getState();
    await actions.generate();
    const f4 = actions.getFrame(4)!;
    const f1 = actions.getFrame(1)!;
    expect(actions.branchWithEdit({ kind: 'renoise', at: 4, to: 1 })).toBeNull();
    await vi.waitFor(() => expect(store.getState().trajectory.status).toBe('done'));
    const req = fake.requests.at(-1)!;
    expect(req.start!.fromStep).toBe(1);
    const aB = scheduleTables().alphaBar[f1.t]!;
    expect(Array.from(req.start!.z)).toEqual(Array.from(renoiseLatent(aB, f4.x0Hat, f1.drift, renoiseNoise(3, f1.t, 1024))));
    expect(store.getState().trajectory.frameCount).toBe(7);
  });

  it('refuses, with the reason and nothing started: outside the canvas, the last frame, a run still computing, no run', async () => {
    const { actions } = store.getState();
    expect(actions.branchWithEdit({ kind: 'renoise', at: 2, to: 1 })).toBe('Generate a run first: an edit changes a frame of the run shown.');
    await actions.generate();
    const before = fake.requests.length;
    expect(actions.branchWithEdit({ kind: 'paint', at: 2, sample: 0, dabs: [{ x: 40, y: 3, r: 2, s: 1 }] })).toBe(
      'The brush at (40, 3) is outside the 32×32 latent: paint inside the canvas.',
    );
    expect(actions.branchWithEdit({ kind: 'renoise', at: 6, to: 1 })).toContain('Frame 6 cannot be edited');
    expect(fake.requests.length).toBe(before);
    fake.hold = true;
    void actions.generate();
    expect(store.getState().trajectory.status).toBe('running');
    expect(actions.branchWithEdit({ kind: 'renoise', at: 0, to: 0 })).toBe('This run is still computing: stop it or let it finish, then edit a frame of it.');
    expect(fake.requests.length).toBe(before + 1);
  });

  it('a landed edit= link replays the root run, then each edit as a branch, then shows the frame; a bad one stops the chain with a notice', async () => {
    const hashes: string[] = [];
    const stop = syncWithHash(store, { hash: '#mode=joint&steps=6&seed=3&frame=5&edit=r4.1*p3.0_20.20.2.100' }, (h) => hashes.push(h));
    await vi.waitFor(() => expect(store.getState().player.frameIndex).toBe(5));
    const { nodes } = store.getState().history;
    expect(nodes.map((n) => n.edit?.kind ?? null)).toEqual([null, 'renoise', 'paint']);
    expect(nodes[1]!.parentId).toBe(nodes[0]!.runId);
    expect(nodes[2]!.parentId).toBe(nodes[1]!.runId);
    expect(fake.requests.map((r) => r.start?.fromStep ?? null)).toEqual([null, 1, 3]);
    // The address bar carries the same chain, now as the branch chain, once the player rests on the frame.
    store.getState().actions.pause();
    expect(hashes.at(-1)).toMatch(/&br=1\*edit\.r4\.1%7E3\*edit\.p3\.0_20\.20\.2\.100&/);
    expect(hashes.at(-1)).not.toMatch(/[#&]edit=/);
    stop();

    const other = createAppStore({ engine: () => new AutoEngine(frameOf), defer: (fn) => fn(), memoryPollMs: 0 });
    await other.getState().actions.startEngine();
    const stop2 = syncWithHash(other, { hash: '#mode=joint&steps=6&seed=3&edit=r9.1' }, () => undefined);
    await vi.waitFor(() => expect(other.getState().notices.map((n) => n.text)).toContain(
      'The link\'s latent edit (x̂₀ of step 9 re-noised to step 1, run 2 of 2) was not applied: Frame 9 cannot be edited: pick a frame in 0..5 (the last frame has no step left to continue). The runs before it stay.',
    ));
    expect(other.getState().history.nodes).toHaveLength(1); // the root run stays
    stop2();
    other.getState().actions.dispose();
  });
});
