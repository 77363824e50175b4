// @ts-check
/**
 * The report of `npm run bench:gpu` (bench/gpu-run.mjs writes bench/gpu-report-<label>.json): one
 * Markdown section, printed by the run and included in bench/REPORT.md by report.mjs. A software adapter
 * (SwiftShader, lavapipe: isFallbackAdapter or a CPU rasteriser by name) is labelled so, never "GPU".
 */

/** @param {number | null | undefined} v @param {number} [digits] */
const f = (v, digits = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–');

/** @param {Record<string, number> | undefined} diffs */
function worst(diffs) {
  if (!diffs) return null;
  const values = Object.values(diffs);
  return values.length ? Math.max(...values) : null;
}

/**
 * @param {any} report the JSON gpu-run.mjs writes: { generatedAt, machine, webgpu, wasm, goals }
 * @returns {string}
 */
export function gpuSection(report) {
  const g = report.webgpu ?? {};
  const w = report.wasm ?? {};
  const a = g.adapter ?? null;
  const kind = a === null ? 'no adapter' : a.software ? 'SOFTWARE adapter (not a GPU)' : 'GPU';
  const lines = [];
  lines.push(`### WebGPU in Node through Dawn (\`npm run bench:gpu\`), ${report.generatedAt ?? ''}`);
  lines.push('');
  lines.push(`Machine: ${report.machine?.cpus ?? '?'} × ${report.machine?.cpuModel ?? '?'}, Node ${report.machine?.node ?? '?'}, load average ${(report.machine?.loadStart ?? []).map((/** @type {number} */ x) => x.toFixed(2)).join(' / ')} at the start.`);
  if (a === null) {
    lines.push('', `**No WebGPU adapter**: ${g.error ?? 'unknown reason'}`);
  } else {
    lines.push(`Adapter: **${kind}**: vendor \`${a.vendor}\`, architecture \`${a.architecture}\`, device \`${a.device}\`, ${a.description || 'no description'}; isFallbackAdapter ${String(a.isFallbackAdapter)}.`);
    if (a.software) lines.push('', 'These are **software-adapter numbers** (a CPU rasteriser): they show that the benchmark runs, not what a GPU does.');
  }
  if (g.error && a !== null) lines.push('', `WebGPU run failed: ${g.error}`);
  lines.push('');
  lines.push('| measure | webgpu | wasm (same machine) | webgpu / wasm |');
  lines.push('|---|---|---|---|');
  const ratio = (/** @type {number | null | undefined} */ x, /** @type {number | null | undefined} */ y) => (typeof x === 'number' && typeof y === 'number' && y > 0 ? `${(x / y).toFixed(2)}×` : '–');
  for (const b of [1, 16]) lines.push(`| ms per reverse step, batch ${b} (median) | ${f(g.stepMs?.[b])} | ${f(w.stepMs?.[b])} | ${ratio(g.stepMs?.[b], w.stepMs?.[b])} |`);
  for (const b of [1, 4, 16]) lines.push(`| ms per forward, batch ${b} (median) | ${f(g.forwardMs?.[b])} | ${f(w.forwardMs?.[b])} | ${ratio(g.forwardMs?.[b], w.forwardMs?.[b])} |`);
  lines.push(`| first step after compile, batch 1 / 16 (ms) | ${f(g.firstStepMs?.[1], 0)} / ${f(g.firstStepMs?.[16], 0)} | ${f(w.firstStepMs?.[1], 0)} / ${f(w.firstStepMs?.[16], 0)} | |`);
  lines.push(`| shader compile, batch 1 / 16 (ms) | ${f(g.compileMs?.[1], 0)} / ${f(g.compileMs?.[16], 0)} | – | |`);
  lines.push(`| kernels per reverse step (tf.profile) | ${f(g.kernelsPerStep, 0)} | ${f(w.kernelsPerStep, 0)} | |`);
  lines.push(`| tensors before → after the runs | ${g.tensors ? `${g.tensors.before} → ${g.tensors.after}` : '–'} | ${w.tensors ? `${w.tensors.before} → ${w.tensors.after}` : '–'} | |`);
  lines.push(`| parity with PyTorch, max \\|diff\\| over heads | ${worst(g.parity)?.toExponential(2) ?? '–'} | ${worst(w.parity)?.toExponential(2) ?? '–'} | |`);
  lines.push(`| peak: matMul / conv2d (GFLOP/s) | ${f(g.peak?.matMulGflops)} / ${f(g.peak?.conv2dGflops)} | ${f(w.peak?.matMulGflops)} / ${f(w.peak?.conv2dGflops)} | |`);
  lines.push(`| model step at batch 16 (GFLOP/s; share of the conv2d peak) | ${f(g.stepGflops16)}${g.peak ? ` (${f(g.stepGflops16 / g.peak.conv2dGflops, 2)})` : ''} | ${f(w.stepGflops16)}${w.peak ? ` (${f(w.stepGflops16 / w.peak.conv2dGflops, 2)})` : ''} | |`);
  if (w.wasm) lines.push('', `wasm: ${w.wasm.threads} thread(s), SIMD ${String(w.wasm.simd)}. Goal on a real GPU: ≤ 5 ms per batch-1 step and ≤ 8 ms per batch-16 step${a && !a.software ? `: batch 1 ${(g.stepMs?.[1] ?? Infinity) <= 5 ? 'met' : 'not met'}, batch 16 ${(g.stepMs?.[16] ?? Infinity) <= 8 ? 'met' : 'not met'}` : ' (not measurable on a software adapter)'}.`);
  lines.push('', 'A Chrome tab adds its GPU-process round trips on top: these Node figures are a lower bound for the page.');
  return lines.join('\n');
}
