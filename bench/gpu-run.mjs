#!/usr/bin/env node
// @ts-check
/**
 * Runs the bundled bench/gpu-child.mjs once on WebGPU (Dawn) and once on wasm, each in its own process with
 * a time limit, and writes the report (gpu-report.mjs). Used by `npm run bench:gpu` and by a pack's run.sh:
 *
 *   node gpu-run.mjs --bundle DIR --assets DIR --out FILE [--allow-software] [--quick] [--limit-s N] [--batches 1,4,16]
 *
 * Exit 3 ("REFUSED") when the adapter is software (or missing) and --allow-software is not given: a
 * software adapter's numbers are never reported as GPU numbers.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { gpuSection } from './gpu-report.mjs';

const argv = process.argv.slice(2);
const option = (/** @type {string} */ name, /** @type {string} */ fallback) => (argv.indexOf(name) >= 0 ? argv[argv.indexOf(name) + 1] ?? fallback : fallback);
const bundle = resolve(option('--bundle', 'bundle'));
const assets = resolve(option('--assets', 'assets'));
const out = resolve(option('--out', 'gpu-report.json'));
const quick = argv.includes('--quick');
const allowSoftware = argv.includes('--allow-software');
const limitS = Number(option('--limit-s', '100'));
/** Batches of the forward timing (the app's step runs at those of them that are 1 or 16). */
const batches = option('--batches', quick ? '1,16' : '1,4,16');

/**
 * One child; its RESULT line, or { error } (a crash, or the time limit).
 * @param {string} backend @param {string[]} extra @returns {Promise<any>}
 */
function child(backend, extra) {
  return new Promise((done) => {
    const args = [join(bundle, 'gpu-child.mjs'), '--backend', backend, '--assets', assets, '--steps', quick ? '6' : '20', '--batches', batches, '--peak', ...extra];
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), limitS * 1000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = stdout.split('\n');
      const line = lines.find((l) => l.startsWith('RESULT '));
      if (line) return done(JSON.parse(line.slice(7)));
      // Killed or crashed: what it had measured, and where it was.
      const partial = lines.filter((l) => l.startsWith('PARTIAL ')).pop();
      const why = signal === 'SIGKILL' ? `over the ${limitS} s limit` : `exit ${code}`;
      const last = partial ? JSON.parse(partial.slice(8)) : { backend };
      done({ ...last, error: `${why}${partial ? ` after '${last.phase}'` : ''}: ${stderr.trim().split('\n').slice(-2).join(' | ')}` });
    });
  });
}

const loadStart = os.loadavg();
console.log(`[bench:gpu] webgpu (Dawn) child, ${limitS} s limit`);
const webgpu = await child('webgpu', []);
console.log(`[bench:gpu] ${webgpu.error ? `webgpu: ${webgpu.error}` : `webgpu on ${webgpu.adapter?.description}: batch 1 ${webgpu.stepMs?.[1]?.toFixed(1)} ms/step`}`);
console.log('[bench:gpu] wasm child (same machine, for the ratio)');
const wasm = await child('wasm', []);
const report = {
  command: `npm run bench:gpu${quick ? ' -- --quick' : ''}`,
  generatedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', node: process.versions.node, platform: `${os.type()} ${os.release()} ${os.arch()}`, loadStart, loadEnd: os.loadavg() },
  webgpu,
  wasm,
};
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${gpuSection(report)}\n`);
console.log(`[bench:gpu] wrote ${out}`);
const adapter = webgpu.adapter ?? null;
if (adapter === null || adapter.software) {
  if (!allowSoftware) {
    const what = adapter === null ? 'there is no WebGPU adapter' : `the adapter is software (${adapter.description}), not a GPU`;
    console.log(`REFUSED: ${what}; nothing here is a GPU number (--allow-software reports a software adapter anyway, labelled so).`);
    process.exit(3);
  }
}
process.exit(webgpu.error ? 1 : 0);
