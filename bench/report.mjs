// @ts-check
/**
 * Pure helpers of `npm run bench` (bench/run.mjs): statistics of step times, the browser / native ratio,
 * the check that the default ('auto') backend is the fastest measured one, and bench/REPORT.md from
 * bench/report.json. No I/O here; tested by bench/report.test.ts.
 */

import { gpuSection } from './gpu-report.mjs';

/**
 * @typedef {{ n: number, median: number, min: number, max: number, mean: number }} Stats
 * @typedef {{ numTensors: number, numBytes: number, gpuBytes?: number }} Memory
 */

/**
 * Median, min, max and mean of a sample (null when empty).
 * @param {readonly number[]} xs
 * @returns {Stats | null}
 */
export function stats(xs) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length % 2 ? /** @type {number} */ (s[m]) : (/** @type {number} */ (s[m - 1]) + /** @type {number} */ (s[m])) / 2;
  return { n: s.length, median, min: /** @type {number} */ (s[0]), max: /** @type {number} */ (s[s.length - 1]), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/**
 * Growth between two tf.memory() snapshots (after - before).
 * @param {Memory} before
 * @param {Memory} after
 */
export function growth(before, after) {
  return {
    tensors: after.numTensors - before.numTensors,
    bytes: after.numBytes - before.numBytes,
    gpuBytes: before.gpuBytes === undefined || after.gpuBytes === undefined ? null : after.gpuBytes - before.gpuBytes,
  };
}

/**
 * @typedef {{ id: string, backend: string, isolated: boolean, ok: boolean, batch1?: Stats | null, batch16?: Stats | null }} BackendRow
 */

/**
 * The measured backend with the lowest batch-1 median, among `rows` (only those that ran).
 * @param {readonly BackendRow[]} rows
 * @returns {BackendRow | null}
 */
export function fastest(rows) {
  let best = null;
  for (const r of rows) {
    if (!r.ok || !r.batch1) continue;
    if (best === null || r.batch1.median < /** @type {Stats} */ (best.batch1).median) best = r;
  }
  return best;
}

/**
 * browser / native, or null when either is missing.
 * @param {number | null | undefined} browserMs
 * @param {number | null | undefined} nativeMs
 */
export function ratio(browserMs, nativeMs) {
  if (browserMs === null || browserMs === undefined || nativeMs === null || nativeMs === undefined || nativeMs <= 0) return null;
  return browserMs / nativeMs;
}

/**
 * A millisecond figure for the report: 3 significant digits below 100, integers above.
 * @param {number | null | undefined} x
 */
export function fmtMs(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** @param {number | null | undefined} x */
export function fmtBytes(x) {
  if (x === null || x === undefined) return '–';
  if (Math.abs(x) >= 1 << 20) return `${(x / (1 << 20)).toFixed(2)} MiB`;
  if (Math.abs(x) >= 1024) return `${(x / 1024).toFixed(1)} KiB`;
  return `${x} B`;
}

/** @param {Stats | null | undefined} s */
const triple = (s) => (s ? `${fmtMs(s.median)} (${fmtMs(s.min)}–${fmtMs(s.max)}, n=${s.n})` : '–');

/** @param {number | null | undefined} x @param {number} [digits] */
const fmtX = (x, digits = 2) => (x === null || x === undefined ? '–' : `${x.toFixed(digits)}×`);

/**
 * The grid row's note: its forwards, and what they would cost at native PyTorch's batch-16 forward on this
 * machine (the same work in native PyTorch on the same CPU: the reference of the batch-16 goal).
 * @param {any} g @param {number | null} nativeB16Ms
 */
function gridNote(g, nativeB16Ms) {
  const perStep = g.config.driftGuidance > 0 && g.config.mode === 'joint' ? 2 : 1;
  const forwards = perStep * g.config.steps;
  const floor = nativeB16Ms === null ? '' : `; ${forwards} batch-16 forwards at native PyTorch's ${fmtMs(nativeB16Ms)} ms = ${(forwards * nativeB16Ms / 1000).toFixed(1)} s`;
  const d = g.defaultRun ? `; the UI's default sampler (${g.defaultRun.sampler}, ${g.defaultRun.steps} steps, ${g.defaultRun.spacing}): ${(g.defaultRun.wallMs / 1000).toFixed(1)} s` : '';
  return `${g.backend}; drift guidance w = ${g.config.driftGuidance}: ${perStep === 2 ? 'two forwards per step (joint: the second waits for the label head)' : 'one forward per step'}${floor}${d}`;
}

/**
 * The issue's goals, each beside its measured value in this run (null where this run did not measure it).
 * Ratios are within the run (the machine is shared: absolute times move with its load).
 * @param {any} r the report object of bench/run.mjs
 * @returns {{ measure: string, goal: string, value: string, met: boolean | null, note: string }[]}
 */
export function goals(r) {
  const ok = (/** @type {any[]} */ xs) => (xs ?? []).filter((x) => x && x.ok);
  const prof = (/** @type {string} */ backend, /** @type {number} */ batch) => ok(r.profile).find((p) => p.backend === backend && p.batch === batch);
  const wasm = ok(r.backends).filter((b) => b.backend === 'wasm');
  const bestB16 = wasm.filter((b) => b.batch16).sort((a, b) => a.batch16.median - b.batch16.median)[0];
  const bestB1 = wasm.filter((b) => b.batch1).sort((a, b) => a.batch1.median - b.batch1.median)[0];
  const native = (/** @type {number} */ batch) => (r.native?.available ? r.native.forward.find((/** @type {any} */ f) => f.batch === batch)?.medianMs : null);
  const rows = [];
  const p1 = prof('wasm', 1);
  // The latest before / after record of the kernel count (bench/ab.mjs), for the "before".
  const ab = [...(r.optimisations ?? [])].reverse().flatMap((o) => o.rows ?? []).find((/** @type {any} */ x) => x.measure === 'kernels per step (wasm batch 1)');
  rows.push({ measure: 'kernels per reverse step (wasm, tf.profile)', goal: '≤ 250', value: p1 ? String(Math.round(p1.kernelCount)) : '–', met: p1 ? p1.kernelCount <= 250 : null, note: ab ? `before: ${ab.before} (the A/B below)` : '' });
  const r16 = ratio(bestB16?.batch16?.median, native(16));
  rows.push({ measure: 'wasm batch 16 vs native PyTorch forward', goal: '≤ 1.0×', value: r16 === null ? '–' : `${r16.toFixed(2)}× (${bestB16.id} ${fmtMs(bestB16.batch16.median)} vs ${fmtMs(native(16))} ms)`, met: r16 === null ? null : r16 <= 1, note: `wasm ${bestB16?.detail?.threads ?? '?'} thread vs torch ${r.native?.threads ?? '?'} threads` });
  const r1 = ratio(bestB1?.batch1?.median, native(1));
  rows.push({ measure: 'wasm batch 1 vs native', goal: '≤ 0.5× (hold)', value: r1 === null ? '–' : `${r1.toFixed(2)}× (${bestB1.id} ${fmtMs(bestB1.batch1.median)} vs ${fmtMs(native(1))} ms)`, met: r1 === null ? null : r1 <= 0.5, note: '' });
  const p16 = prof('wasm', 16);
  const mt = wasm.find((b) => b.id === 'wasm-mt');
  const peak = r.peak?.ok ? r.peak : null;
  const stepGflops = p16 && mt?.batch16 ? p16.flops / (mt.batch16.median / 1000) / 1e9 : null;
  const frac = stepGflops !== null && peak ? stepGflops / peak.conv2dGflops : null;
  // A kernel of the profile running faster than the "peak" means the peak was measured at a worse moment of a
  // loaded machine: the ratio is then not a measurement of anything.
  const fastestKernel = Math.max(0, ...[p1, p16].flatMap((p) => (p?.kernels ?? []).map((/** @type {any} */ k) => (k.flops && k.ms > 0 ? k.flops / (k.ms / 1000) / 1e9 : 0))));
  const valid = peak !== null && fastestKernel <= Math.max(peak.conv2dGflops, peak.matMulGflops);
  rows.push({
    measure: 'model step FLOP/s vs the backend\'s measured peak (wasm, batch 16)', goal: '≥ 0.6',
    value: frac === null ? '–' : `${frac.toFixed(2)} (${stepGflops?.toFixed(1)} of ${peak?.conv2dGflops.toFixed(1)} GFLOP/s conv2d peak; matMul peak ${peak?.matMulGflops.toFixed(1)})`,
    met: frac === null || !valid ? null : frac >= 0.6,
    note: `${p16 ? `step FLOPs ${(p16.flops / 1e9).toFixed(2)} G (convolutions and matrix products)` : ''}${peak && !valid ? `; NOT VALID this run: a profiled kernel ran at ${fastestKernel.toFixed(1)} GFLOP/s, above the measured peak (the load moved between the two)` : ''}`,
  });
  const g = r.grid?.ok ? r.grid : null;
  const warmGrid = g?.runs?.[1]?.wallMs ?? null;
  rows.push({
    measure: 'grid of 16 × 50 steps in the UI', goal: '≤ 6 s', value: g ? g.runs.map((/** @type {any} */ x) => `${(x.wallMs / 1000).toFixed(1)} s`).join(' then ') : '–',
    met: warmGrid === null ? null : warmGrid <= 6000, note: g ? gridNote(g, native(16)) : '',
  });
  const real = (r.gpu ?? []).find((/** @type {any} */ x) => x.webgpu?.adapter && !x.webgpu.adapter.software && x.webgpu.stepMs);
  rows.push({
    measure: 'real GPU, Node + Dawn: batch 1 / batch 16 ms per step', goal: '≤ 5 / ≤ 8 ms',
    value: real ? `${fmtMs(real.webgpu.stepMs[1])} / ${fmtMs(real.webgpu.stepMs[16])} (${real.webgpu.adapter.description || real.webgpu.adapter.vendor})` : 'not measured (no GPU lent)',
    met: real ? real.webgpu.stepMs[1] <= 5 && real.webgpu.stepMs[16] <= 8 : null, note: real ? '' : 'the pack for a GPU machine: see "Real GPU"',
  });
  const long = wasm.find((b) => b.memory && b.memory.steps >= 1000) ?? wasm[0];
  rows.push({
    measure: `tensors after ${long?.memory?.steps ?? '?'} steps`, goal: '0 growth', value: long?.memory ? `${long.memory.growth.tensors} (${long.memory.before.numTensors} → ${long.memory.after.numTensors})` : '–',
    met: long?.memory ? long.memory.growth.tensors === 0 : null, note: long?.id ?? '',
  });
  return rows;
}

/**
 * bench/REPORT.md from the report object that bench/run.mjs writes to bench/report.json.
 * @param {any} r
 * @returns {string}
 */
export function toMarkdown(r) {
  /** @type {string[]} */
  const out = [];
  const line = (/** @type {string} */ s = '') => out.push(s);
  line('# Benchmark report');
  line();
  line(`Generated by \`${r.command}\` on ${r.generatedAt}${r.quick ? ' (**--quick**: fewer steps)' : ''}. Raw figures: \`bench/report.json\`.`);
  line();
  const m = r.machine;
  line(`Machine: ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB RAM, no GPU (WebGPU and WebGL run on SwiftShader, a CPU rasteriser). ` +
    `${m.platform}; Node ${m.node}; Chromium ${m.chromium}, headless. Load average (1/5/15 min) at the start ${m.loadStart.map((/** @type {number} */ x) => x.toFixed(2)).join(' / ')}, ` +
    `at the end ${m.loadEnd.map((/** @type {number} */ x) => x.toFixed(2)).join(' / ')}: the machine is shared with other jobs, so absolute times are noisy; compare ratios within this run.`);
  line();
  line(`**GPU machine numbers: not measured.** ${m.gpu ?? 'No GPU machine was available.'} Every browser figure below is CPU-only (WebGPU/WebGL through SwiftShader). On a real GPU, WebGPU is expected to win and \`auto\` measures that at start-up.`);
  line();

  if (r.goals && r.goals.length) {
    line('## Goals (issue "Performance")');
    line();
    line('| measure | goal | this run | met | note |');
    line('|---|---|---|---|---|');
    for (const g of r.goals) line(`| ${g.measure} | ${g.goal} | ${g.value} | ${g.met === null ? '–' : g.met ? 'yes' : '**no**'} | ${g.note} |`);
    line();
  }

  line('## Headline');
  line();
  const h = r.headline;
  line(`- Default backend (\`auto\` on a cross-origin-isolated page) chose **${h.autoChosen ?? '–'}**; fastest measured: **${h.fastestId ?? '–'}** ` +
    `(${fmtMs(h.fastestBatch1Ms)} ms per batch-1 reverse step, median). Default is the fastest measured path: **${h.defaultIsFastest ? 'yes' : 'no'}**.`);
  if (h.fastestId && h.fastestIsolatedId && h.fastestId !== h.fastestIsolatedId) {
    line(`- The fastest run was on the plain (not isolated) page, ${h.fastestId}; on the app's isolated pages \`auto\` can only pick among ${h.fastestIsolatedId}'s page's backends, and picked that backend (${h.fastestIsolatedId}). ` +
      'Both are the wasm backend; the difference is the threaded binary and its thread pool (see "wasm threads and SIMD").');
  }
  if (r.native && r.native.available) {
    line(`- Native PyTorch ${r.native.torch} on the CPU (${r.native.threads} threads): forward ${fmtMs(h.nativeBatch1Ms)} ms at batch 1, ${fmtMs(h.nativeBatch16Ms)} ms at batch 16 (median).`);
    line(`- Ratio best browser backend / native (reverse step, which includes the forward plus the sampler update and readback, vs. forward alone): ` +
      `**${fmtX(h.ratioBatch1)} at batch 1**, ${fmtX(h.ratioBatch16)} at batch 16 (goal: within 3×; below 1× means the browser is faster).`);
  } else {
    line(`- Native PyTorch reference: not available (${r.native?.reason ?? 'unknown'}).`);
  }
  line(`- Memory: ${h.memoryNote}`);
  line(`- Longest main-thread task during a run on the real UI: ${fmtMs(r.longTasks?.run?.maxMs)} ms (${r.longTasks?.run?.count ?? 0} tasks over 50 ms; goal < 50 ms).`);
  line();

  line('## Per backend');
  line();
  line('Step = one reverse step of the default run (joint image + label, DDIM η = 0, guidance 0): the forward pass with every head, the sampler update and one async readback of the frame, timed in the worker (`frame.ms`). Median (min–max, n).');
  line();
  line('| backend | page | batch 1 ms/step | batch 16 ms/step | batch 16, UI default (w = 2) | batch 16, conditional w = 2 (one batch-32 forward) | time to first frame | compile / warm-up | warm(16) ms | first step after warm-up (b1 / b16) | notes |');
  line('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const b of r.backends) {
    if (!b.ok) {
      line(`| ${b.id} | ${b.isolated ? 'isolated' : 'not isolated'} | – | – | – | – | – | – | – | – | failed: ${b.error} |`);
      continue;
    }
    const cold = b.coldStart;
    const compile = cold.compileMs !== null && cold.compileMs !== undefined ? `compile ${fmtMs(cold.compileMs)} ms; warm-up ${fmtMs(cold.warmupMs)} ms` : `warm-up step ${fmtMs(cold.warmupMs)} ms`;
    line(`| ${b.id} | ${b.isolated ? 'isolated' : 'not isolated'} | ${triple(b.batch1)} | ${triple(b.batch16)} | ${triple(b.batch16Ui)} | ${triple(b.batch16UiConditional)} | ${fmtMs(cold.timeToFirstFrameMs)} ms (weights ${fmtMs(cold.loadMs)}) | ${compile} | ${fmtMs(b.warm16Ms)} | ${fmtMs(b.firstStepMs?.batch1)} / ${fmtMs(b.firstStepMs?.batch16)} | ${b.notes ?? ''} |`);
  }
  line();
  line('Time to first frame = worker start + weights fetched and decoded + backend initialised + batch-1 shaders compiled (GPUs, `*_COMPILE_ONLY`) + one warm-up step + the first frame of a run. The weights come from the browser\'s HTTP cache after the first backend. ' +
    'Batch 16 is warmed when the grid is picked (`warm(16)`: its shaders on GPUs and one step), not at start-up; "first step" of batch 16 is measured after that warm. ' +
    'The UI\'s default joint run has drift guidance w = 2 (the weights\' measured default), two forwards per step: that column is what a grid step costs in the UI. ' +
    'Joint\'s drift depends on the label head\'s answer, so its second forward waits for the first; with the label given (conditional, sketch) the drift is known before the forward and both run as one batch of 2B (src/engine/runner.ts `evaluate`): the next column.');
  line();

  line('## Memory (tf.memory() in the worker, around one long run after warm-up)');
  line();
  line('| backend | steps | tensors before → after | bytes before → after | GPU bytes before → after | growth |');
  line('|---|---|---|---|---|---|');
  for (const b of r.backends) {
    if (!b.ok || !b.memory) continue;
    const mm = b.memory;
    const gpu = mm.before.gpuBytes === undefined ? '–' : `${fmtBytes(mm.before.gpuBytes)} → ${fmtBytes(mm.after.gpuBytes)}`;
    line(`| ${b.id} | ${mm.steps} | ${mm.before.numTensors} → ${mm.after.numTensors} | ${fmtBytes(mm.before.numBytes)} → ${fmtBytes(mm.after.numBytes)} | ${gpu} | ${mm.growth.tensors} tensors, ${fmtBytes(mm.growth.bytes)} |`);
  }
  line();
  line('Step counts below 1,000 are the software backends, where 1,000 steps would take minutes to hours here (stated, not extrapolated).');
  line();

  line('## wasm threads and SIMD');
  line();
  for (const b of r.backends.filter((/** @type {any} */ x) => x.backend === 'wasm' && x.ok)) {
    const d = b.detail ?? {};
    line(`- ${b.id}: crossOriginIsolated ${d.crossOriginIsolated}, SIMD ${d.simd}, threads supported ${d.threadsSupported}, tf.wasm.getThreadsCount() = **${d.threads}** of ${d.threadsAsked ?? '?'} asked (hardwareConcurrency ${d.hardwareConcurrency}; tfjs-backend-wasm 4.22 caps its pool at hardwareConcurrency / 2, which src/engine/backends.ts lifts while the module starts).`);
  }
  line();

  if (r.native) {
    line('## Native reference (PyTorch, CPU)');
    line();
    if (r.native.available) {
      line(`\`bench/native.py\`: training/mtd/model.py's MTDiffusion built from model.json's config with the ${r.native.weights}; eps head vs public/fixtures/parity.json: max |diff| ${r.native.parityEpsMaxAbsDiff?.toExponential(2)}. ` +
        `torch ${r.native.torch}, Python ${r.native.python}, torch.set_num_threads(${r.native.threads}), OMP_WAIT_POLICY=${r.native.ompWaitPolicy ?? 'unset'}; forward(z, t) with every head under no_grad.`);
      line();
      line('| batch | forward ms median (min–max, n) |');
      line('|---|---|');
      for (const f of r.native.forward) line(`| ${f.batch} | ${fmtMs(f.medianMs)} (${fmtMs(f.minMs)}–${fmtMs(f.maxMs)}, n=${f.runs}) |`);
    } else {
      line(`Not available: ${r.native.reason}`);
    }
    line();
  }

  line("## 'auto' at start-up");
  line();
  if (r.auto) {
    line(`${r.auto.ok ? `Chose **${r.auto.chosen}** in ${fmtMs(r.auto.wallMs)} ms (init, probe included): "${r.auto.summary}".` : `failed: ${r.auto.error}`}`);
    line();
    for (const a of r.auto.attempts ?? []) line(`- ${a.name}: ${a.outcome}: ${a.reason}`);
  }
  line();

  if (r.profile && r.profile.length) {
    line('## Where a step spends its time (tf.profile, per kernel)');
    line();
    for (const p of r.profile) {
      if (!p.ok) {
        line(`- ${p.backend} batch ${p.batch}: failed: ${p.error}`);
        continue;
      }
      const flops = typeof p.flops === 'number' ? `, ${(p.flops / 1e9).toFixed(3)} GFLOP per step (convolutions and matrix products)` : '';
      line(`**${p.backend}, batch ${p.batch}** (${p.runs} profiled steps on the page thread): ${p.kernelCount} kernels per step, kernel time ${fmtMs(p.totalMs)} ms, wall ${fmtMs(p.wallMs)} ms per profiled step${flops}.`);
      line();
      const peak = r.peak?.ok && r.peak.backend === p.backend ? r.peak : null;
      line(`| kernel | ms / step | calls / step | share | GFLOP/s${peak ? ' (of the conv2d peak)' : ''} |`);
      line('|---|---|---|---|---|');
      for (const k of p.kernels.slice(0, 12)) {
        const gf = k.flops && k.ms > 0 ? k.flops / (k.ms / 1000) / 1e9 : null;
        line(`| ${k.name} | ${fmtMs(k.ms)} | ${k.calls} | ${((100 * k.ms) / p.totalMs).toFixed(1)}% | ${gf === null ? '–' : `${gf.toFixed(1)}${peak ? ` (${(gf / peak.conv2dGflops).toFixed(2)})` : ''}`} |`);
      }
      line();
    }
  }

  if (r.peak) {
    line("## The backend's own peak");
    line();
    line(r.peak.ok
      ? `${r.peak.backend} on the page thread, same thread count as the model: matMul ${r.peak.matMulShape} **${r.peak.matMulGflops.toFixed(1)} GFLOP/s**; conv2d ${r.peak.conv2dShape} (3x3, 'same') **${r.peak.conv2dGflops.toFixed(1)} GFLOP/s** (best of 3 after one untimed run). The profile tables above give each kernel's GFLOP/s as a share of the conv2d peak.`
      : `failed: ${r.peak.error}`);
    line();
  }

  if (r.grid) {
    line("## The UI's grid (16 samples × 50 steps)");
    line();
    if (r.grid.ok) {
      const c = r.grid.config;
      line(`The real page on ${r.grid.backend}: batch 16 picked (the store warms it), ${r.grid.pauseMs} ms later Generate with the UI's defaults (${c.mode}, ${c.sampler}, ${c.steps} steps, drift guidance w = ${c.driftGuidance}); from the click to 'done': ` +
        `${r.grid.runs.map((/** @type {any} */ x, /** @type {number} */ i) => `run ${i + 1} ${(x.wallMs / 1000).toFixed(1)} s (${x.frames} frames)`).join(', ')}.`);
      line();
      line('Why a UI grid step costs more than the bench\'s batch-16 step: the UI\'s joint default has drift guidance w = 2, a second forward on y_t every step (the "UI default" column above), and the first batch-16 step used to build its shapes inside the run (now `warm(16)` when the grid is picked).');
    } else line(`failed: ${r.grid.error}`);
    line();
  }

  line('## Real GPU (WebGPU in Node through Dawn)');
  line();
  const real = (r.gpu ?? []).filter((/** @type {any} */ x) => x.webgpu?.adapter && !x.webgpu.adapter.software);
  if (real.length === 0) {
    line('**Not measured**: no GPU machine was lent to the sessions so far. `npm run bench:gpu -- --pack bench/.gpu/pack` writes a self-contained folder (< 64 MiB: Node, Dawn, a Vulkan loader, the bundle, the weights) whose `run.sh` needs nothing but a Linux machine with an NVIDIA GPU; on such a machine run `sh bench/.gpu/pack/run.sh`, copy its `gpu-report-*.json` to `bench/gpu-report-gpu.json`, and `node bench/run.mjs --report-only` puts it here and in the goals.');
    line();
  }
  for (const g of r.gpu ?? []) {
    line(gpuSection(g));
    line();
  }

  if (r.longTasks) {
    line('## Main thread (the real UI page, index.html)');
    line();
    const lt = r.longTasks;
    if (lt.ok) {
      const runs = lt.runs ?? [];
      line(`${runs.length || 1} default runs (${lt.request}) on ${lt.backend}, from the Generate button to 'done', the first right after page load: ` +
        `${lt.run.count} long tasks (> 50 ms) in all, the longest ${fmtMs(lt.run.maxMs)} ms (goal < 50 ms). ` +
        `Page load and engine start-up (not part of a run): ${lt.load.count} long tasks, the longest ${fmtMs(lt.load.maxMs)} ms.`);
      if (runs.length) {
        line();
        line('| run | wall ms | long tasks | longest ms | blocking ms (sum over 50) |');
        line('|---|---|---|---|---|');
        runs.forEach((/** @type {{ wallMs: number, count: number, maxMs: number, blockingMs: number }} */ x, /** @type {number} */ i) => line(`| ${i + 1}${i === 0 ? ' (cold)' : ''} | ${fmtMs(x.wallMs)} | ${x.count} | ${fmtMs(x.maxMs)} | ${fmtMs(x.blockingMs)} |`));
        line();
        line('The harness stays off the measured thread: the button is clicked from inside the page and completion is polled in the page every 100 ms (an earlier version used Playwright\'s per-animation-frame polling, which ran on that thread).');
      }
    } else line(`failed: ${lt.error}`);
    line();
  }

  if (r.optimisations && r.optimisations.length) {
    line('## Optimisations: before / after');
    line();
    for (const o of r.optimisations) {
      line(`**${o.title}.** ${o.what}`);
      line();
      if (o.rows && o.rows.length) {
        line('| measure | before | after | after / before |');
        line('|---|---|---|---|');
        for (const row of o.rows) line(`| ${row.measure} | ${fmtMs(row.before)} | ${fmtMs(row.after)} | ${fmtX(ratio(row.after, row.before))} |`);
        line();
      }
      if (o.note) {
        line(o.note);
        line();
      }
    }
  }
  return `${out.join('\n')}\n`;
}
