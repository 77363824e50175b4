#!/usr/bin/env node
/* global window, document */
// @ts-check
/**
 * `npm run bench [-- --quick] [-- --no-build] [-- --only wasm-mt,cpu]`: builds the app, serves dist/ twice
 * (cross-origin isolated with COOP/COEP, and plain, so that wasm runs multi-threaded and single-threaded),
 * launches headless Chromium and measures the real model with the shipped weights on every backend through
 * engine-test.html's window.__engineTest (the app's own worker and engine), profiles a step per kernel,
 * times the real UI page's main thread during a run, runs the native PyTorch reference (bench/native.py),
 * and writes bench/report.json and bench/REPORT.md.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_INSTALL_HINT, findChromium } from '../e2e/chromium.js';
import { fastest, goals, growth, ratio, stats, toMarkdown } from './report.mjs';

const root = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const noBuild = argv.includes('--no-build');
const onlyArg = argv.indexOf('--only');
const only = onlyArg >= 0 ? (argv[onlyArg + 1] ?? '').split(',') : null;
/** --dist DIR: serve another build (an A/B of two builds); --out FILE: write only that JSON, not bench/report.*. */
const option = (/** @type {string} */ name) => (argv.indexOf(name) >= 0 ? argv[argv.indexOf(name) + 1] : undefined);
const distDir = resolve(root, option('--dist') ?? 'dist');
const outFile = option('--out');
const reportOnly = argv.includes('--report-only');
const log = (/** @type {string} */ s) => console.log(`[bench ${((performance.now()) / 1000).toFixed(0)} s] ${s}`);

/** Flags as e2e/harness.ts (DESIGN.md "Browser facts"). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu'];

/**
 * What each backend runs: steps of the batch-1 run that also measures memory, and of the batch-16 run.
 * The software backends cannot do 1,000 steps here (WebGPU/WebGL on SwiftShader: seconds per step).
 */
const PLAN = [
  // 1,000 steps even with --quick: the memory goal is stated for 1,000 steps (about a minute here).
  { id: 'wasm-mt', backend: 'wasm', isolated: true, long: 1000, b16: quick ? 6 : 20 },
  // The same page with the wasm pool at one thread (tfjs's own choice on a 2-core machine): what threads add.
  { id: 'wasm-mt1', backend: 'wasm', isolated: true, wasmThreads: 1, long: quick ? 100 : 300, b16: quick ? 6 : 10 },
  { id: 'wasm-st', backend: 'wasm', isolated: false, long: quick ? 100 : 500, b16: quick ? 6 : 10 },
  { id: 'cpu', backend: 'cpu', isolated: true, long: quick ? 6 : 20, b16: 1 },
  // SwiftShader: ~3 s (WebGPU) and ~6 s (WebGL) per batch-1 step, ~80 s per batch-16 step on this machine.
  { id: 'webgpu', backend: 'webgpu', isolated: true, long: quick ? 2 : 4, b16: quick ? 0 : 1 },
  { id: 'webgl', backend: 'webgl', isolated: true, long: quick ? 2 : 3, b16: quick ? 0 : 1 },
];

/**
 * The bench's run: joint, DDIM eta 0, no guidance (one forward per step). The UI's default run adds drift
 * guidance w = 2 for joint (src/store/defaults.ts SAMPLING_DEFAULTS): two forwards per step (`uiDrift`).
 */
const request = (/** @type {string} */ runId, /** @type {number} */ steps, /** @type {1 | 16} */ batch, driftGuidance = 0, /** @type {object} */ mode = { mode: 'joint' }) => ({
  runId, ...mode, sampler: 'ddim', steps, eta: 0, seed: 42, batch, clipX0: true, labelGuidance: 0, driftGuidance,
});
/** Class-conditional generation: its drift is known before the forward, so drift guidance's two forwards run as one batch of 2B. */
const CONDITIONAL = { mode: 'conditional', classId: 3 };
const UI_DRIFT_GUIDANCE = 2;

// ---------------------------------------------------------------------------------------------
// Static server for dist/, with or without cross-origin isolation

const TYPES = /** @type {Record<string, string>} */ ({
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.wasm': 'application/wasm', '.bin': 'application/octet-stream', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
});

/** @param {boolean} isolated @returns {Promise<{ url: string, close: () => Promise<void> }>} */
function serve(isolated) {
  const dist = distDir;
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(dist, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(dist) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    /** @type {Record<string, string>} */
    const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' };
    if (isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      ok({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done(undefined))) });
    });
  });
}

// ---------------------------------------------------------------------------------------------

/** @param {string} cmd @param {string[]} args @param {Record<string, string>} [env] */
function run(cmd, args, env) {
  return spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
}

function nativeReference() {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return { available: false, reason: `${py} is missing` };
  const probe = run(py, ['-c', 'import torch']);
  if (probe.status !== 0) return { available: false, reason: `PyTorch is not installed for ${py} (apt-get install python3-torch)` };
  const r = run(py, ['bench/native.py', '--threads', '2', ...(quick ? ['--quick'] : [])], { OMP_WAIT_POLICY: 'PASSIVE' });
  if (r.status !== 0) return { available: false, reason: `bench/native.py failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}` };
  return { available: true, ...JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') };
}

/** @param {import('playwright-core').Page} page @param {string} url */
async function openTestPage(page, url) {
  await page.goto(`${url}/engine-test.html`, { waitUntil: 'load' });
  await page.waitForFunction(() => /** @type {any} */ (window).__engineTest !== undefined, undefined, { timeout: 60_000 });
}

/**
 * @param {import('playwright-core').Page} page
 * @param {string} method
 * @param {unknown[]} args
 * @returns {Promise<any>}
 */
async function hook(page, method, ...args) {
  const r = await page.evaluate(([m, a]) => /** @type {any} */ (window).__engineTest[/** @type {string} */ (m)](...(/** @type {unknown[]} */ (a))), /** @type {const} */ ([method, args]));
  if (r && typeof r === 'object' && 'ok' in r) {
    if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
    return r.value;
  }
  return r;
}

/** @param {string[]} messages */
function compileMs(messages) {
  const hits = messages.map((m) => /compiled the batch-\d+ shaders in (\d+) ms/.exec(m)).filter((x) => x !== null);
  return hits.length ? hits.reduce((s, h) => s + Number(h[1]), 0) : null;
}

/**
 * One backend in a fresh worker: cold start, a short batch-1 run (first step after warm-up), a batch-16
 * run, then the long batch-1 run with tf.memory() around it.
 * @param {import('playwright-core').Page} page
 * @param {typeof PLAN[number]} p
 */
async function measureBackend(page, p) {
  const init = await hook(page, 'init', p.backend, ...('wasmThreads' in p ? [p.wasmThreads] : []));
  const attempt = init.backend.attempts.find((/** @type {any} */ a) => a.name === p.backend) ?? {};
  const short = await hook(page, 'bench', request('b1-first', 1, 1));
  // What the store does when the grid is picked (older builds have no warm: their first b16 step pays).
  const warm16 = p.b16 > 0 ? await hook(page, 'warm', 16).catch(() => null) : null;
  const b16 = p.b16 > 0 ? await hook(page, 'bench', request('b16', p.b16, 16)) : null;
  // The UI's own grid step: joint's default drift guidance, two forwards per step.
  const b16Ui = p.b16 > 0 && p.backend === 'wasm' ? await hook(page, 'bench', request('b16-ui', Math.max(3, p.b16 >> 1), 16, UI_DRIFT_GUIDANCE)) : null;
  // The same with the label given (conditional's default w = 2): both forwards as one batch-32 forward.
  const b16Cond = p.b16 > 0 && p.backend === 'wasm' ? await hook(page, 'bench', request('b16-cond', Math.max(3, p.b16 >> 1), 16, UI_DRIFT_GUIDANCE, CONDITIONAL)) : null;
  log(`  ${p.id}: batch 16 ${b16 ? stats(b16.ms)?.median.toFixed(1) : '(not run)'} ms/step; now ${p.long} batch-1 steps`);
  const long = await hook(page, 'bench', request('b1-long', p.long, 1));
  await hook(page, 'terminate');
  // A run of N steps has N + 1 frames; frame N (t = 0) is the final read-out without a sampler step. The
  // first step of a run is reported on its own (firstStepMs: a new batch shape's set-up shows there).
  const steps = (/** @type {number[]} */ ms) => (ms.length > 2 ? ms.slice(1, -1) : ms.slice(0, 1));
  return {
    id: p.id, backend: p.backend, isolated: p.isolated, ok: true,
    detail: attempt.detail ?? {}, notes: attempt.reason ?? '',
    coldStart: {
      wallMs: init.wallMs, loadMs: init.loadMs, warmupMs: init.warmupMs, compileMs: compileMs(init.messages),
      firstFrameMs: short.firstFrameMs, timeToFirstFrameMs: init.wallMs + short.firstFrameMs,
    },
    firstStepMs: { batch1: short.ms[0], batch16: b16?.ms[0] ?? null },
    warm16Ms: warm16?.wallMs ?? null,
    batch1: stats(steps(long.ms)),
    batch16: b16 ? stats(steps(b16.ms)) : null,
    batch16Ui: b16Ui ? stats(steps(b16Ui.ms)) : null,
    batch16UiConditional: b16Cond ? stats(steps(b16Cond.ms)) : null,
    memory: { steps: p.long, before: long.before, after: long.after, growth: growth(long.before, long.after) },
    runWallMs: { batch1: long.wallMs, batch16: b16?.wallMs ?? null },
  };
}

/** Runs of the default trajectory timed on the real UI: the first after page load (cold JIT), then warm ones. */
const UI_RUNS = 3;

/**
 * The real UI: the longest main-thread task while a default run plays (PerformanceObserver 'longtask').
 * The harness stays off the page's main thread during a run: the Generate button is clicked from inside
 * the page and 'done' is awaited by a 100 ms in-page poll. (Playwright's waitForFunction polls on every
 * animation frame by default and its click() injects script; both run on the measured thread and, in the
 * first version of this benchmark, were part of the 226 ms it reported.)
 */
async function longTasks(/** @type {import('playwright-core').Browser} */ browser, /** @type {string} */ url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const w = /** @type {any} */ (window);
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  try {
    await page.goto(`${url}/`, { waitUntil: 'load' });
    await page.locator('[data-testid="engine-status"][data-status="ready"]').waitFor({ timeout: 180_000 });
    const backend = await page.evaluate(() => /** @type {any} */ (window).mtdPlayground.getState().engine.report?.chosen);
    const loadEnd = await page.evaluate(() => performance.now());
    /** @type {{ wallMs: number, count: number, maxMs: number, blockingMs: number, tasks: { start: number, ms: number }[] }[]} */
    const runs = [];
    for (let r = 0; r < UI_RUNS; r++) {
      await page.waitForTimeout(300);
      const { wallMs, tasks } = await generateOnce(page);
      runs.push({
        wallMs, count: tasks.length, maxMs: tasks.length ? Math.max(...tasks.map((x) => x.ms)) : 0,
        blockingMs: tasks.reduce((sum, x) => sum + (x.ms - 50), 0), tasks,
      });
    }
    const tasks = /** @type {{ start: number, ms: number }[]} */ (await page.evaluate(() => /** @type {any} */ (window).__longTasks));
    const before = tasks.filter((x) => x.start < loadEnd);
    const frames = await page.evaluate(() => /** @type {any} */ (window).mtdPlayground.getState().trajectory.frameCount);
    const c = await page.evaluate(() => /** @type {any} */ (window).mtdPlayground.getState().config);
    const all = runs.flatMap((x) => x.tasks);
    return {
      ok: true, backend, request: `the UI's default: ${c.mode}, ${c.sampler}, ${c.steps} steps, batch ${c.batch}; ${frames} frames`, runWallMs: runs[0]?.wallMs ?? null,
      runs,
      run: { count: all.length, maxMs: all.length ? Math.max(...all.map((x) => x.ms)) : 0, tasks: all },
      load: { count: before.length, maxMs: before.length ? Math.max(...before.map((x) => x.ms)) : 0 },
    };
  } finally {
    await context.close();
  }
}

/**
 * Clicks Generate and waits for that run to end: its wall time from the click, its frames, and the long tasks
 * (`window.__longTasks`, where the page observes them) that started meanwhile, relative to the click.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<{ wallMs: number, frames: number, tasks: { start: number, ms: number }[] }>}
 */
function generateOnce(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const w = /** @type {any} */ (window);
    const prev = w.mtdPlayground.getState().trajectory.runId;
    const t0 = performance.now();
    const poll = setInterval(() => {
      const t = w.mtdPlayground.getState().trajectory;
      if (t.runId === prev || (t.status !== 'done' && t.status !== 'error')) return;
      clearInterval(poll);
      if (t.status === 'error') return reject(new Error(`the run failed: ${JSON.stringify(t.error)}`));
      const t1 = performance.now();
      // A task still running at 'done' is reported when it ends: give the observer a moment.
      setTimeout(() => {
        const tasks = /** @type {{ start: number, ms: number }[]} */ (w.__longTasks ?? []).filter((x) => x.start >= t0 && x.start <= t1)
          .map((x) => ({ start: x.start - t0, ms: x.ms }));
        resolve({ wallMs: t1 - t0, frames: t.frameCount, tasks });
      }, 200);
    }, 100);
    /** @type {HTMLButtonElement} */ (document.querySelector('[data-testid="generate"]')).click();
  }));
}

/**
 * The real UI's grid: pick batch 16 (the store warms it), wait `pauseMs` as a user would, then Generate the
 * goal's grid (the UI's default mode, joint, with its drift guidance; DDIM, 50 steps, trailing: the sampler
 * the goal was set with); wall time from the click to 'done', twice (the second on warm shapes). Then once
 * more with the UI's default sampler and steps (`defaultRun`), what a user's first grid costs.
 */
async function uiGrid(/** @type {import('playwright-core').Browser} */ browser, /** @type {string} */ url, pauseMs = 3000) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  try {
    await page.goto(`${url}/`, { waitUntil: 'load' });
    await page.locator('[data-testid="engine-status"][data-status="ready"]').waitFor({ timeout: 180_000 });
    const defaults = await page.evaluate(() => /** @type {any} */ (window).mtdPlayground.getState().config);
    await page.evaluate(() => /** @type {any} */ (window).mtdPlayground.getState().actions.setConfig({ batch: 16, sampler: 'ddim', eta: 0, steps: 50, spacing: 'trailing' }));
    await page.waitForTimeout(pauseMs);
    const config = await page.evaluate(() => /** @type {any} */ (window).mtdPlayground.getState().config);
    const runs = [];
    for (let r = 0; r < 2; r++) {
      const { wallMs, frames } = await generateOnce(page);
      runs.push({ wallMs, frames });
    }
    await page.evaluate((d) => /** @type {any} */ (window).mtdPlayground.getState().actions.setConfig({ sampler: d.sampler, eta: d.eta, steps: d.steps, spacing: d.spacing }), defaults);
    const { wallMs: defaultMs, frames: defaultFrames } = await generateOnce(page);
    const backend = await page.evaluate(() => /** @type {any} */ (window).mtdPlayground.getState().engine.report?.chosen);
    return {
      ok: true, backend, pauseMs, config: { mode: config.mode, sampler: config.sampler, steps: config.steps, batch: config.batch, driftGuidance: config.driftGuidance }, runs,
      defaultRun: { sampler: defaults.sampler, spacing: defaults.spacing, steps: defaults.steps, wallMs: defaultMs, frames: defaultFrames },
    };
  } finally {
    await context.close();
  }
}

/** bench/gpu-report-*.json (npm run bench:gpu), newest first. */
function gpuReports() {
  return readdirSync(join(root, 'bench')).filter((f) => /^gpu-report-.*\.json$/.test(f)).map((f) => JSON.parse(readFileSync(join(root, 'bench', f), 'utf8')))
    .sort((a, b) => String(b.generatedAt).localeCompare(String(a.generatedAt)));
}

async function main() {
  if (reportOnly) {
    const report = JSON.parse(readFileSync(join(root, 'bench/report.json'), 'utf8'));
    report.gpu = gpuReports();
    report.optimisations = JSON.parse(readFileSync(join(root, 'bench/optimisations.json'), 'utf8'));
    report.goals = goals(report);
    writeFileSync(join(root, 'bench/report.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(root, 'bench/REPORT.md'), toMarkdown(report));
    log('re-rendered bench/REPORT.md from bench/report.json and bench/gpu-report-*.json');
    return;
  }
  const executablePath = findChromium();
  if (!executablePath) throw new Error(CHROMIUM_INSTALL_HINT);
  const loadStart = os.loadavg();
  if (!noBuild && option('--dist') === undefined) {
    log('building the app (npm run build)');
    const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  log('native reference (bench/native.py)');
  const native = only && !only.includes('native') ? { available: false, reason: 'not run (--only)' } : nativeReference();
  log(native.available ? `  native batch 1: ${native.forward[0].medianMs.toFixed(1)} ms` : `  native: ${native.reason}`);

  const isolated = await serve(true);
  const plain = await serve(false);
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  /** @type {any[]} */
  const backends = [];
  /** @type {any[]} */
  const profile = [];
  /** @type {any} */
  let auto = null;
  /** @type {any} */
  let lt = null;
  /** @type {any} */
  let peak = null;
  /** @type {any} */
  let grid = null;
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = /** @type {string[]} */ ([]);
    page.on('pageerror', (e) => errors.push(e.message));
    for (const p of PLAN) {
      if (only && !only.includes(p.id)) continue;
      log(`${p.id}: ${p.backend} on a ${p.isolated ? 'cross-origin isolated' : 'plain (not isolated)'} page`);
      try {
        await openTestPage(page, p.isolated ? isolated.url : plain.url);
        backends.push(await measureBackend(page, p));
        const b = backends[backends.length - 1];
        log(`  ${p.id}: batch 1 ${b.batch1.median.toFixed(1)} ms/step, tensors ${b.memory.before.numTensors} -> ${b.memory.after.numTensors}`);
      } catch (e) {
        backends.push({ id: p.id, backend: p.backend, isolated: p.isolated, ok: false, error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
        log(`  ${p.id} failed: ${backends[backends.length - 1].error}`);
      }
    }
    if (!only || only.includes('auto')) {
      log("auto: the default start-up choice");
      await openTestPage(page, isolated.url);
      try {
        const init = await hook(page, 'init', 'auto');
        auto = { ok: true, chosen: init.backend.chosen, summary: init.backend.summary, attempts: init.backend.attempts, wallMs: init.wallMs };
        await hook(page, 'terminate');
      } catch (e) {
        auto = { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
      log(`  auto: ${auto.summary ?? auto.error}`);
    }
    if (!only || only.includes('profile')) {
      for (const [backend, batch, runs] of /** @type {const} */ ([['wasm', 1, quick ? 3 : 10], ['wasm', 16, quick ? 1 : 3], ['cpu', 1, quick ? 1 : 2]])) {
        log(`profile: ${backend} batch ${batch}`);
        await openTestPage(page, isolated.url);
        try {
          profile.push({ ok: true, backend, batch, runs, ...(await hook(page, 'profile', backend, batch, runs)) });
        } catch (e) {
          profile.push({ ok: false, backend, batch, error: e instanceof Error ? e.message : String(e) });
        }
      }
    }
    if (!only || only.includes('peak')) {
      log('peak: a large matMul and conv2d on wasm (the page thread)');
      await openTestPage(page, isolated.url);
      try {
        peak = { ok: true, backend: 'wasm', ...(await hook(page, 'peak', 'wasm')) };
      } catch (e) {
        peak = { ok: false, backend: 'wasm', error: e instanceof Error ? e.message : String(e) };
      }
      log(`  peak: ${peak.ok ? `matMul ${peak.matMulGflops.toFixed(1)}, conv2d ${peak.conv2dGflops.toFixed(1)} GFLOP/s` : peak.error}`);
    }
    await context.close();
    if (!only || only.includes('grid')) {
      log("the real UI's grid: 16 x 50 steps");
      try {
        grid = await uiGrid(browser, isolated.url);
      } catch (e) {
        grid = { ok: false, error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
      }
      log(`  grid: ${grid.ok ? grid.runs.map((/** @type {any} */ x) => `${(x.wallMs / 1000).toFixed(1)} s`).join(', ') : grid.error}`);
    }
    if (!only || only.includes('ui')) {
      log('the real UI: long tasks during a run');
      try {
        lt = await longTasks(browser, isolated.url);
      } catch (e) {
        lt = { ok: false, error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
      }
      log(`  longest task during the run: ${lt.run?.maxMs ?? lt.error}`);
    }
    if (errors.length) log(`page errors: ${errors.join(' | ')}`);
  } finally {
    await browser.close().catch(() => undefined);
    await isolated.close();
    await plain.close();
  }

  const best = fastest(backends);
  // 'auto' can only pick among the backends of the page it runs on (the app's pages are isolated).
  const bestIsolated = fastest(backends.filter((b) => b.isolated));
  const nb = native.available ? native.forward : [];
  const nativeMs = (/** @type {number} */ batch) => nb.find((/** @type {any} */ f) => f.batch === batch)?.medianMs ?? null;
  const mem = backends.filter((b) => b.ok);
  const grew = mem.filter((b) => b.memory.growth.tensors !== 0 || b.memory.growth.bytes !== 0 || (b.memory.growth.gpuBytes ?? 0) !== 0);
  const wasmLong = mem.find((b) => b.id === 'wasm-mt');
  const memoryNote = grew.length === 0
    ? `no growth on any backend (tensors, bytes and GPU bytes equal before and after${wasmLong ? `; ${wasmLong.memory.steps} steps on wasm, ${wasmLong.memory.before.numTensors} tensors` : ''}).`
    : `GROWTH on ${grew.map((b) => `${b.id} (${b.memory.growth.tensors} tensors, ${b.memory.growth.bytes} bytes)`).join(', ')}.`;
  const previous = existsSync(join(root, 'bench/optimisations.json')) ? JSON.parse(readFileSync(join(root, 'bench/optimisations.json'), 'utf8')) : [];
  const fastestB16 = best ? best.batch16?.median : null;
  const report = {
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    generatedAt: new Date().toISOString(),
    quick,
    machine: {
      cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.type()} ${os.release()} ${os.arch()}`, node: process.versions.node, chromium: browser.version(),
      loadStart, loadEnd: os.loadavg(), gpu: 'This machine has no GPU, and no GPU machine was lent to this run.',
    },
    headline: {
      autoChosen: auto?.chosen ?? null,
      fastestId: best?.id ?? null,
      fastestIsolatedId: bestIsolated?.id ?? null,
      fastestBatch1Ms: best?.batch1?.median ?? null,
      fastestBatch16Ms: fastestB16 ?? null,
      defaultIsFastest: auto?.ok === true && bestIsolated !== null && auto.chosen === bestIsolated.backend,
      nativeBatch1Ms: nativeMs(1),
      nativeBatch16Ms: nativeMs(16),
      ratioBatch1: ratio(best?.batch1?.median, nativeMs(1)),
      ratioBatch16: ratio(fastestB16, nativeMs(16)),
      memoryNote,
      memoryGrowth: grew.length > 0,
    },
    native,
    backends,
    auto,
    profile,
    peak,
    grid,
    longTasks: lt,
    gpu: gpuReports(),
    optimisations: previous,
  };
  /** @type {any} */ (report).goals = goals(report);
  if (outFile !== undefined) {
    writeFileSync(resolve(root, outFile), `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${outFile}`);
    return;
  }
  writeFileSync(join(root, 'bench/report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(root, 'bench/REPORT.md'), toMarkdown(report));
  log(`wrote bench/report.json and bench/REPORT.md (fastest ${best?.id}, auto ${auto?.chosen}, ratio to native ${report.headline.ratioBatch1?.toFixed(2)})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
