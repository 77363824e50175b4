#!/usr/bin/env node
// @ts-check
/**
 * Before / after of an optimisation, from A/B runs of two builds in alternation, e.g.
 *   git stash / checkout the old code && npx vite build --outDir dist-before   (and the new into dist-after)
 *   node bench/run.mjs --only wasm-mt,wasm-st,profile --quick --dist dist-before --out /tmp/before1.json
 *   node bench/run.mjs --only wasm-mt,wasm-st,profile --quick --dist dist-after --out /tmp/after1.json   (repeat)
 *   node bench/ab.mjs --title "..." --what "..." --before /tmp/before1.json,/tmp/before2.json --after /tmp/after1.json,/tmp/after2.json
 * appends { title, what, rows } to bench/optimisations.json, which `npm run bench` puts in the report.
 * Each figure is the median over the repeats of that run's figure (step medians, tf.profile kernel time).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { stats } from './report.mjs';

const root = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const opt = (/** @type {string} */ n) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : undefined);
const read = (/** @type {string | undefined} */ list) => (list ?? '').split(',').filter(Boolean).map((f) => JSON.parse(readFileSync(f, 'utf8')));
const before = read(opt('--before'));
const after = read(opt('--after'));
if (!before.length || !after.length) {
  console.error('usage: node bench/ab.mjs --title T --what W --before a.json[,b.json] --after c.json[,d.json]');
  process.exit(2);
}

/** @type {[string, (r: any) => number | null | undefined][]} */
const MEASURES = [
  ['wasm-mt batch 1, ms/step (worker)', (r) => r.backends.find((/** @type {any} */ b) => b.id === 'wasm-mt')?.batch1?.median],
  ['wasm-mt batch 16, ms/step (worker)', (r) => r.backends.find((/** @type {any} */ b) => b.id === 'wasm-mt')?.batch16?.median],
  ['wasm-st batch 1, ms/step (worker)', (r) => r.backends.find((/** @type {any} */ b) => b.id === 'wasm-st')?.batch1?.median],
  ['wasm-st batch 16, ms/step (worker)', (r) => r.backends.find((/** @type {any} */ b) => b.id === 'wasm-st')?.batch16?.median],
  ['wasm batch 1, kernel ms/step (tf.profile)', (r) => r.profile.find((/** @type {any} */ p) => p.backend === 'wasm' && p.batch === 1)?.totalMs],
  ['wasm batch 16, kernel ms/step (tf.profile)', (r) => r.profile.find((/** @type {any} */ p) => p.backend === 'wasm' && p.batch === 16)?.totalMs],
  ['cpu batch 1, kernel ms/step (tf.profile)', (r) => r.profile.find((/** @type {any} */ p) => p.backend === 'cpu' && p.batch === 1)?.totalMs],
  ['kernels per step (wasm batch 1)', (r) => r.profile.find((/** @type {any} */ p) => p.backend === 'wasm' && p.batch === 1)?.kernelCount],
  ["wasm-mt batch 16 with the UI's drift guidance (w = 2), ms/step", (r) => r.backends.find((/** @type {any} */ b) => b.id === 'wasm-mt')?.batch16Ui?.median],
  ['wasm-mt first batch-16 step / later ones (×)', (r) => {
    const b = r.backends.find((/** @type {any} */ x) => x.id === 'wasm-mt');
    return b?.firstStepMs?.batch16 && b?.batch16?.median ? b.firstStepMs.batch16 / b.batch16.median : null;
  }],
];

const pick = (/** @type {any[]} */ runs, /** @type {(r: any) => number | null | undefined} */ f) =>
  stats(runs.map(f).filter((x) => typeof x === 'number'))?.median ?? null;
const rows = MEASURES.map(([measure, f]) => ({ measure, before: pick(before, f), after: pick(after, f) }));
const path = join(root, 'bench/optimisations.json');
const all = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : [];
const load = [...before, ...after].map((r) => r.machine.loadStart[0]);
all.push({
  title: opt('--title') ?? 'optimisation',
  what: opt('--what') ?? '',
  rows,
  note: `A/B of two builds in alternation (${before.length} + ${after.length} runs of \`bench/run.mjs --quick --only wasm-mt,wasm-st,profile\`), ` +
    `${new Date().toISOString().slice(0, 10)}, load average (1 min) ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} on ${os.cpus().length} cores: step times are noisy, ` +
    'the tf.profile kernel times (summed per step) are the steadier measure.',
});
writeFileSync(path, `${JSON.stringify(all, null, 2)}\n`);
for (const r of rows) console.log(`${r.measure}: ${r.before?.toFixed(1)} -> ${r.after?.toFixed(1)}`);
