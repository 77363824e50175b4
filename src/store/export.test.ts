import { describe, expect, it } from 'vitest';
import { parseGif } from '../../e2e/gif.ts';
import type { Frame } from '../engine/protocol.ts';
import { encodeGif, parseTrajectoryExport, trajectoryExport } from './export.ts';
import { decodeMask } from './share.ts';
import { decodeSketchBits } from './sketch-bits.ts';
import { DEFAULT_CONFIG, type RunSummary } from './store.ts';

function frame(index: number, batch: number): Frame {
  const n = batch * 32 * 32;
  const probs = new Float32Array(batch * 10).fill(0.1);
  return {
    runId: 'r', index, t: 1000 - index * 100,
    z: new Float32Array(n).fill(index), x0Hat: new Float32Array(n).fill(-index / 10),
    masked: new Float32Array(n), sketch: new Float32Array(n), labelProbs: probs, repr: new Float32Array(batch * 8), drift: new Float32Array(n), ms: 1,
  };
}

describe('export', () => {
  it('JSON is what its schema says, and a malformed file is refused naming the field', () => {
    const run: RunSummary = { ...DEFAULT_CONFIG, runId: 'r', image: null, mask: null, trueLabel: null, sketch: null, testIndex: null, sketchIndex: null, repr: new Float32Array([0.5, -1]), reprPoint: 4 };
    const exported = trajectoryExport(run, [0, 1].map((i) => frame(i, 1)), ['a', 'b']);
    const json: unknown = JSON.parse(JSON.stringify(exported));
    expect(parseTrajectoryExport(json)).toEqual(json); // nothing dropped or changed
    const edited = (edit: (j: { config: Record<string, unknown>; frames: Record<string, unknown>[] }) => void): unknown => {
      const j = structuredClone(json) as { config: Record<string, unknown>; frames: Record<string, unknown>[] };
      edit(j);
      return j;
    };
    expect(() => parseTrajectoryExport(edited((j) => (j.config['steps'] = 0)), 'run.json')).toThrow('run.json: config.steps must be an integer in 1..1000, got 0');
    expect(() => parseTrajectoryExport(edited((j) => (j.frames[1]!['t'] = 'x')))).toThrow('trajectory.json: frames[1].t must be an integer >= 0, got "x"');
    expect(() => parseTrajectoryExport(edited((j) => delete j.config['sampler']))).toThrow(/config\.sampler/);
  });


  it('JSON has the config and one entry per frame with per-sample arrays', () => {
    const mask = new Float32Array(1024).fill(1).fill(0, 0, 100);
    // Guidances set here, not taken from DEFAULT_CONFIG (whose drift guidance is the measured default).
    const run: RunSummary = { ...DEFAULT_CONFIG, mode: 'inpaint', labelGuidance: 0, driftGuidance: 0, batch: 16, runId: 'r', image: new Float32Array(1024), mask, trueLabel: 3, sketch: null, repr: null, reprPoint: null, testIndex: null, sketchIndex: null };
    const frames = [0, 1, 2].map((i) => frame(i, 16));
    const out = JSON.parse(JSON.stringify(trajectoryExport(run, frames, ['a']))) as ReturnType<typeof trajectoryExport>;
    expect(out.frames).toHaveLength(3);
    expect(out.config['mode']).toBe('inpaint');
    expect(out.config['seed']).toBe(42);
    // Both guidances, under names that cannot be confused (the old `guidance` was label guidance).
    expect(out.config['labelGuidance']).toBe(0);
    expect(out.config['driftGuidance']).toBe(0);
    expect(out.config).not.toHaveProperty('guidance');
    const guided = trajectoryExport({ ...run, labelGuidance: 0, driftGuidance: 2.5 }, frames, ['a']);
    expect(guided.config).toMatchObject({ labelGuidance: 0, driftGuidance: 2.5 });
    expect(out.config['labelCommit']).toBe(DEFAULT_CONFIG.labelCommit);
    expect(trajectoryExport({ ...run, mode: 'joint', labelCommit: 0.5 }, frames, ['a']).config).toMatchObject({ mode: 'joint', labelCommit: 0.5 });
    expect(decodeMask(String(out.config['mask']))).toEqual(mask);
    expect(out.frames[2]!.t).toBe(800);
    expect(out.frames[2]!.labelProbs).toHaveLength(16);
    expect(out.frames[2]!.labelProbs[15]).toHaveLength(10);
    expect(out.frames[2]!.z[3]).toHaveLength(1024);
    expect(out.frames[2]!.z[3]![0]).toBe(2);
    expect(out.frames[1]!.x0Hat[0]![5]).toBeCloseTo(-0.1, 6);
  });

  it('JSON carries a sketch run\'s edge map and a representation run\'s point and vector', () => {
    const sketch = new Float32Array(1024).fill(1, 40, 90);
    const base: RunSummary = { ...DEFAULT_CONFIG, runId: 'r', image: null, mask: null, trueLabel: null, sketch: null, repr: null, reprPoint: null, testIndex: null, sketchIndex: null };
    const out = trajectoryExport({ ...base, mode: 'sketch', sketch }, [frame(0, 1)], []);
    expect(decodeSketchBits(String(out.config['sketch']), 32)).toEqual(sketch);
    expect(out.config['x0From']).toBe('masked');
    const repr = trajectoryExport({ ...base, mode: 'representation', repr: Float32Array.from([1, -0.5, 0.25]), reprPoint: 9 }, [frame(0, 1)], []);
    expect(repr.config).toMatchObject({ reprPoint: 9, repr: '1,-0.5,0.25', sketch: null });
  });

  it('GIF has one image per frame, the delay and the size', () => {
    const w = 8;
    const h = 6;
    const images = [0, 80, 160, 240, 255].map((g) => new Uint8Array(w * h * 4).fill(g));
    const info = parseGif(encodeGif(images, w, h, 100));
    expect(info).toMatchObject({ width: 8, height: 6, frames: 5 });
    expect(info.delays).toEqual([100, 100, 100, 100, 100]);
    expect(() => encodeGif([new Uint8Array(3)], w, h, 100)).toThrow(/bytes/);
  });
});
