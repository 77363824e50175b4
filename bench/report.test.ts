import { describe, expect, it } from 'vitest';
import { fastest, fmtBytes, fmtMs, growth, ratio, stats, toMarkdown } from './report.mjs';

describe('bench/report.mjs', () => {
  it('stats: median (odd and even n), min, max, mean; null when empty', () => {
    expect(stats([3, 1, 2])).toEqual({ n: 3, median: 2, min: 1, max: 3, mean: 2 });
    expect(stats([4, 1, 3, 2])).toEqual({ n: 4, median: 2.5, min: 1, max: 4, mean: 2.5 });
    expect(stats([])).toBeNull();
  });

  it('growth is after - before, GPU bytes only when both snapshots have them', () => {
    expect(growth({ numTensors: 10, numBytes: 100 }, { numTensors: 10, numBytes: 100 })).toEqual({ tensors: 0, bytes: 0, gpuBytes: null });
    expect(growth({ numTensors: 10, numBytes: 100, gpuBytes: 5 }, { numTensors: 12, numBytes: 164, gpuBytes: 9 })).toEqual({ tensors: 2, bytes: 64, gpuBytes: 4 });
  });

  it('fastest: lowest batch-1 median among the backends that ran', () => {
    const s = (median: number) => ({ n: 1, median, min: median, max: median, mean: median });
    const rows = [
      { id: 'webgpu', backend: 'webgpu', isolated: true, ok: true, batch1: s(3000) },
      { id: 'wasm-st', backend: 'wasm', isolated: false, ok: true, batch1: s(20) },
      { id: 'wasm-mt', backend: 'wasm', isolated: true, ok: true, batch1: s(18) },
      { id: 'webgl', backend: 'webgl', isolated: true, ok: false },
    ];
    expect(fastest(rows)?.id).toBe('wasm-mt');
    expect(fastest([])).toBeNull();
  });

  it('ratio and formatting', () => {
    expect(ratio(30, 10)).toBe(3);
    expect(ratio(30, null)).toBeNull();
    expect(ratio(undefined, 10)).toBeNull();
    expect([fmtMs(1234.5), fmtMs(12.345), fmtMs(1.2345), fmtMs(null)]).toEqual(['1235', '12.3', '1.23', '–']);
    expect([fmtBytes(512), fmtBytes(2048), fmtBytes(3 * 1024 * 1024)]).toEqual(['512 B', '2.0 KiB', '3.00 MiB']);
  });

  it('toMarkdown names every backend, the native ratio and the GPU caveat', () => {
    const st = { n: 10, median: 20, min: 18, max: 30, mean: 21 };
    const mem = { numTensors: 136, numBytes: 4_000_000 };
    const md = toMarkdown({
      command: 'npm run bench', generatedAt: '2026-01-01T00:00:00Z', quick: false,
      machine: { cpus: 2, cpuModel: 'cpu', memGiB: 8, platform: 'Linux', node: '20', chromium: '140', loadStart: [1, 1, 1], loadEnd: [2, 2, 2] },
      headline: { autoChosen: 'wasm', fastestId: 'wasm-mt', fastestBatch1Ms: 20, defaultIsFastest: true, nativeBatch1Ms: 40, nativeBatch16Ms: 300, ratioBatch1: 0.5, ratioBatch16: 1.2, memoryNote: 'no growth' },
      native: { available: true, torch: '1.13', python: '3.11', threads: 2, weights: 'shipped', parityEpsMaxAbsDiff: 1e-6, forward: [{ batch: 1, medianMs: 40, minMs: 30, maxMs: 50, runs: 10 }] },
      backends: [
        { id: 'wasm-mt', backend: 'wasm', isolated: true, ok: true, detail: { threads: 1, simd: true }, coldStart: { timeToFirstFrameMs: 3000, loadMs: 500, warmupMs: 900, compileMs: null }, firstStepMs: { batch1: 25, batch16: 900 }, batch1: st, batch16: st, memory: { steps: 1000, before: mem, after: mem, growth: { tensors: 0, bytes: 0, gpuBytes: null } } },
        { id: 'webgl', backend: 'webgl', isolated: true, ok: false, error: 'no WebGL' },
      ],
      auto: { ok: true, chosen: 'wasm', summary: 'auto picked wasm', wallMs: 4000, attempts: [{ name: 'wasm', outcome: 'chosen', reason: 'fastest' }] },
      profile: [], longTasks: { ok: true, backend: 'wasm', request: 'default', runWallMs: 2000, runs: [{ wallMs: 2000, count: 1, maxMs: 61, blockingMs: 11, tasks: [] }, { wallMs: 1500, count: 0, maxMs: 0, blockingMs: 0, tasks: [] }], run: { count: 1, maxMs: 61 }, load: { count: 2, maxMs: 120 } },
      optimisations: [{ title: 'GroupNorm', what: 'fused', rows: [{ measure: 'wasm b1', before: 30, after: 20 }] }],
    });
    expect(md).toContain('| wasm-mt | isolated | 20.0 (18.0–30.0, n=10)');
    expect(md).toContain('failed: no WebGL');
    expect(md).toContain('**0.50× at batch 1**');
    expect(md).toContain('GPU machine numbers: not measured');
    expect(md).toContain('| 1000 | 136 → 136 |');
    expect(md).toContain('| wasm b1 | 30.0 | 20.0 | 0.67× |');
    expect(md).toContain('| 1 (cold) | 2000 | 1 | 61.0 | 11.0 |');
    expect(md).toContain('| 2 | 1500 | 0 | 0.00 | 0.00 |');
  });
});
