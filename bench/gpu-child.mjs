// @ts-check
/**
 * One backend of `npm run bench:gpu`, in its own Node process (bench/gpu.mjs bundles this file with the
 * app's own src/model and src/engine into bench/.gpu/bundle/ and runs it once per backend):
 *
 *   node gpu-child.mjs --backend webgpu|wasm --assets DIR [--dawn DIR] [--batches 1,4,16] [--steps N] [--peak]
 *
 * DIR holds weights/, fixtures/parity.json and the tfjs wasm binaries; --dawn is the `webgpu` npm package
 * (Dawn's Node binding). For WebGPU, navigator.gpu is set before tfjs-backend-webgpu is imported (it
 * registers itself only when navigator.gpu exists). Everything is read with `await data()` (dataSync needs
 * OffscreenCanvas on WebGPU). Prints `PARTIAL {json}` after each phase and one line `RESULT {json}` at the end.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { benchRequest, measurePeak, parityDiffs, profileStep, timedRun } from '../src/engine/measure.ts';
import { makeTables } from '../src/engine/plan.ts';
import { compileOnly } from '../src/engine/resident.ts';
import { warmupStep } from '../src/engine/runner.ts';
import { createNetwork, loadWeights } from '../src/model/index.ts';

const argv = process.argv.slice(2);
const option = (/** @type {string} */ name, /** @type {string} */ fallback) => (argv.indexOf(name) >= 0 ? argv[argv.indexOf(name) + 1] ?? fallback : fallback);
const backend = option('--backend', 'wasm');
const assets = resolve(option('--assets', '.'));
const batches = option('--batches', '1,4,16').split(',').map(Number);
const steps = Number(option('--steps', '20'));

/** @param {string} url */
const fileFetch = (url) => Promise.resolve(new Response(readFileSync(join(assets, 'weights', url.replace(/^\/weights\//, '')))));

/** Median of the steps of a run: frame 0 (first step, a new shape's set-up) and the last (read-out) left out. */
function median(/** @type {number[]} */ ms) {
  const s = ms.length > 2 ? ms.slice(1, -1) : ms.slice();
  s.sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : null;
}

async function adapterInfo() {
  const gpu = /** @type {any} */ (globalThis.navigator)?.gpu;
  const adapter = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? null;
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  // A fallback adapter, or a CPU rasteriser by name (SwiftShader, lavapipe/llvmpipe): software, never "GPU".
  const software = fallback === true || /swiftshader|llvmpipe|lavapipe|software|cpu/i.test(text);
  return { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '', isFallbackAdapter: fallback, software };
}

/** @type {Record<string, any>} */
const result = { backend, node: process.versions.node, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '' };
const started = performance.now();
/** What is measured so far (gpu-run.mjs keeps the last one when the child runs out of time), and where it is. */
const progress = (/** @type {string} */ phase) => {
  console.log(`PARTIAL ${JSON.stringify({ ...result, phase, wallMs: performance.now() - started })}`);
  console.error(`[${backend} ${((performance.now() - started) / 1000).toFixed(0)} s] ${phase}`);
};

async function main() {
  if (backend === 'webgpu') {
    const dawn = resolve(option('--dawn', join(assets, 'webgpu')));
    const { create, globals } = await import(/* @vite-ignore */ pathToFileURL(join(dawn, 'index.js')).href);
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]), hardwareConcurrency: os.cpus().length }, configurable: true });
    result.adapter = await adapterInfo();
    progress('adapter');
    if (result.adapter === null) throw new Error('no WebGPU adapter: Dawn found no Vulkan driver it accepts (see run.sh for the checks)');
    await import('@tensorflow/tfjs-backend-webgpu');
  } else {
    setWasmPaths(`${join(assets, 'wasm')}/`);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  if (backend === 'wasm') {
    result.wasm = { threads: getThreadsCount(), simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') };
  }
  const loaded = await loadWeights('/weights/', { fetch: fileFetch });
  const net = createNetwork(loaded.config, loaded.weights);
  const tables = makeTables(loaded.config);
  result.initMs = performance.now() - started;
  progress('weights loaded');

  // Compile time: every shader of a step, per batch, compiled in parallel without running (GPUs only).
  result.compileMs = {};
  if (backend === 'webgpu') {
    for (const b of /** @type {const} */ ([1, 16]).filter((x) => batches.includes(x))) {
      const t0 = performance.now();
      await compileOnly(() => warmupStep(net, tables, b));
      result.compileMs[b] = performance.now() - t0;
      progress(`compiled batch ${b}`);
    }
  }
  const fixture = JSON.parse(readFileSync(join(assets, 'fixtures', 'parity.json'), 'utf8'));
  result.parity = await parityDiffs(net, fixture);
  progress('parity');

  const before = tf.memory().numTensors;
  result.firstStepMs = {};
  result.stepMs = {};
  result.forwardMs = {};
  for (const b of batches) {
    // The network alone at batch b (4 is not a batch the app runs; the step below needs 1 or 16).
    const z = tf.randomNormal([b, 32, 32, 1], 0, 1, 'float32', 1);
    const t = tf.fill([b], 500, 'int32');
    const times = [];
    for (let r = 0; r < (b === 16 ? 4 : 8); r++) {
      const t0 = performance.now();
      const out = net.forward(/** @type {tf.Tensor4D} */ (z), /** @type {tf.Tensor1D} */ (t));
      await out.eps.data();
      tf.dispose(Object.values(out));
      times.push(performance.now() - t0);
    }
    tf.dispose([z, t]);
    result.forwardMs[b] = median(times);
    progress(`forward batch ${b}`);
    if (b === 1 || b === 16) {
      // The app's own reverse step (the trajectory runner, joint DDIM, with its readback).
      const run = await timedRun(net, tables, benchRequest(`b${b}`, b === 16 ? Math.max(4, steps >> 2) : steps, b));
      result.firstStepMs[b] = run.ms[0];
      result.stepMs[b] = median(run.ms);
      progress(`steps batch ${b}`);
    }
  }
  result.tensors = { before, after: tf.memory().numTensors };

  const prof = await profileStep(net, 1, 2);
  result.kernelsPerStep = prof.kernelCount;
  result.stepFlops = { 1: prof.flops, ...(batches.includes(16) ? { 16: (await profileStep(net, 16, 1)).flops } : {}) };
  result.profile = prof.kernels.slice(0, 12);
  progress('profile');
  if (argv.includes('--peak')) {
    result.peak = await measurePeak(2);
    const b16 = result.stepMs[16];
    if (b16) result.stepGflops16 = result.stepFlops[16] / (b16 / 1000) / 1e9;
  }
  net.dispose();
  result.wallMs = performance.now() - started;
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().then(() => process.exit(0), (e) => {
  console.log(`RESULT ${JSON.stringify({ ...result, error: e instanceof Error ? e.message : String(e) })}`);
  process.exit(1);
});
