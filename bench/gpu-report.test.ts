import { describe, expect, it } from 'vitest';
import { gpuSection } from './gpu-report.mjs';
import { goals } from './report.mjs';

const run = (adapter: object | null, stepMs: Record<number, number> = { 1: 4, 16: 7 }) => ({
  generatedAt: '2026-12-07T00:00:00Z',
  machine: { cpus: 16, cpuModel: 'x', node: '20', loadStart: [0.5, 0.5, 0.5] },
  webgpu: { adapter, stepMs, forwardMs: { 1: 3, 4: 3.5, 16: 6 }, parity: { eps: 2e-4 }, tensors: { before: 150, after: 150 }, kernelsPerStep: 131 },
  wasm: { stepMs: { 1: 12, 16: 170 }, wasm: { threads: 8, simd: true } },
});

const NVIDIA = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100', isFallbackAdapter: false, software: false };
const SWIFTSHADER = { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader driver', isFallbackAdapter: true, software: true };

describe('bench:gpu report', () => {
  it('labels a software adapter as such and never as a GPU', () => {
    const md = gpuSection(run(SWIFTSHADER));
    expect(md).toContain('SOFTWARE adapter (not a GPU)');
    expect(md).toContain('software-adapter numbers');
    expect(md).toContain('not measurable on a software adapter');
  });

  it('a GPU adapter: ratios to wasm and the goals met or not', () => {
    const md = gpuSection(run(NVIDIA));
    expect(md).toContain('Adapter: **GPU**');
    expect(md).toContain('| ms per reverse step, batch 16 (median) | 7.0 | 170.0 | 0.04× |');
    expect(md).toContain('batch 1 met, batch 16 met');
    expect(gpuSection(run(NVIDIA, { 1: 6, 16: 7 }))).toContain('batch 1 not met, batch 16 met');
    expect(gpuSection({ ...run(null), webgpu: { adapter: null, error: 'no WebGPU adapter' } })).toContain('**No WebGPU adapter**: no WebGPU adapter');
  });

  it("the goals table takes the real GPU's figures only from a non-software adapter", () => {
    const row = (gpu: object[]) => goals({ backends: [], profile: [], gpu }).find((g) => g.measure.startsWith('real GPU'))!;
    expect(row([run(SWIFTSHADER)]).met).toBeNull();
    expect(row([run(SWIFTSHADER)]).value).toMatch(/^not measured/);
    expect(row([run(NVIDIA)])).toMatchObject({ met: true, value: '4.00 / 7.00 (NVIDIA H100)' });
  });
});
