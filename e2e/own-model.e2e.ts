/**
 * Your own model, end to end: a tiny data set of drawn shapes (3 classes) is made here, trained for a few
 * steps on 2 processes (PyTorch DDP through `npm run train`'s pipeline), exported, and opened in the
 * playground: from the folder picker, and hosted at a same-origin `?model=` URL. The page shows its name and
 * class names, runs every mode the model offers, says what a link can carry, and a damaged shard gets the
 * integrity error. Everything generated stays in e2e/.tmp/ (ignored). The service worker is blocked: the
 * hosted model is served with page.route.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAndWait, pickMode, settle, waitReady, type AppWindow } from './app.ts';
import { launchBrowser, type BrowserSession } from './harness.ts';

const ROOT = resolve(import.meta.dirname, '..');
const TMP = join(ROOT, 'e2e', '.tmp', 'own-model');
const DATA = join(TMP, 'shapes');
const RUN = join(TMP, 'run');
const MODEL = join(RUN, 'model');
const NAME = 'Drawn shapes (e2e)';
const CLASSES = ['circle', 'square', 'triangle'];
/** A better-trained model folder for the README's screenshot (docs/screenshots/own-model.png); unset: no screenshot. */
const SHOT_MODEL = process.env['OWN_MODEL_SHOT'];
const MODES = ['joint', 'conditional', 'inpaint', 'classify', 'sketch', 'representation', 'unconditional'];

let session: BrowserSession;

function sh(cmd: string, args: string[], cwd = ROOT): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${(r.stdout + r.stderr).slice(-3000)}`);
}

beforeAll(async () => {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  sh('/usr/bin/python3', ['-m', 'mtd.shapes', DATA, '--per-class', '12'], join(ROOT, 'training'));
  // npm run train -- --data DIR --nproc 2: prepare, classifier, DDP training on 2 ranks, export with samples.
  sh('bash', ['training/pipeline.sh', '--data', DATA, '--out', RUN, '--name', NAME, '--nproc', '2', '--steps', '8', '--batch', '8',
    '--mask-bank', '50', '--warmup', '2', '--classifier-steps', '20']);
  session = await launchBrowser({ serviceWorkers: 'block' });
}, 600_000);

afterAll(async () => {
  await session?.close();
});

const state = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState() as unknown as {
  model: { source: string; name: string };
  engine: { status: string; config: { classNames: string[] } | null };
  samples: { status: string; count: number; classNames: string[]; points: unknown };
  trajectory: { status: string; frameCount: number; run: { mode: string } | null };
});

async function openBundled(): Promise<Page> {
  const { page } = await session.newPage();
  await page.goto(session.url('/'));
  await waitReady(page);
  return page;
}

/** Chooses `folder` with the "Load model…" folder picker and waits for the engine to settle. */
async function pickFolder(page: Page, folder: string): Promise<void> {
  await page.getByTestId('model-files').setInputFiles(folder);
  await page.waitForFunction(() => {
    const s = (window as unknown as AppWindow).mtdPlayground.getState() as unknown as { model: { source: string }; engine: { status: string } };
    return s.model.source === 'files' && (s.engine.status === 'ready' || s.engine.status === 'error');
  }, undefined, { timeout: 60_000 });
}

async function backToBundled(page: Page): Promise<void> {
  await page.getByTestId('use-bundled').click();
  await waitReady(page);
  await expect.poll(async () => (await state(page)).engine.config?.classNames.length).toBe(10);
  expect(await page.getByTestId('model-name').innerText()).toBe('Fashion-MNIST (bundled)');
}

describe('your own model', () => {
  it('the pipeline trained on 2 ranks with identical weights and exported the model with its samples', () => {
    const ranks = JSON.parse(readFileSync(join(RUN, 'ranks.json'), 'utf8')) as { world: number; identical: boolean };
    expect(ranks).toMatchObject({ world: 2, identical: true });
    const manifest = JSON.parse(readFileSync(join(MODEL, 'model.json'), 'utf8')) as { config: { classNames: string[]; name: string } };
    expect(manifest.config.classNames).toEqual(CLASSES);
    expect(manifest.config.name).toBe(NAME);
    expect(existsSync(join(MODEL, 'samples.bin'))).toBe(true);
  });

  it('opens from the folder picker: its name, its class names, every mode runs, the link says what it cannot carry', async () => {
    const page = await openBundled();
    await pickFolder(page, MODEL);
    await waitReady(page);
    expect(await page.getByTestId('model-name').innerText()).toBe(NAME);
    await expect.poll(async () => (await state(page)).samples.status).toBe('ready');
    const s = await state(page);
    expect(s.engine.config?.classNames).toEqual(CLASSES);
    expect(s.samples.classNames).toEqual(CLASSES);
    expect(s.samples.count).toBe(3);
    expect(s.samples.points).not.toBeNull();

    for (const mode of MODES) {
      expect(await page.getByTestId(`mode-${mode}`).isDisabled(), `${mode} is offered`).toBe(false);
      await pickMode(page, mode);
      if (mode === 'conditional') {
        const options = await page.getByTestId('class-picker').locator('option').allInnerTexts();
        expect(options).toEqual(CLASSES.map((c, i) => `${i} · ${c}`));
        await page.getByTestId('class-picker').selectOption('2');
      }
      await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().actions.setConfig({ steps: 4 }));
      await generateAndWait(page);
      const t = (await state(page)).trajectory;
      expect(t.run?.mode).toBe(mode);
      expect(t.frameCount).toBeGreaterThan(1);
      const k = await page.evaluate(() => {
        const f = (window as unknown as AppWindow).mtdPlayground.getFrame(0)!;
        return f.labelProbs.length / (f.z.length / (32 * 32));
      });
      expect(k, `${mode}: the label head has the model's 3 classes`).toBe(3);
    }
    // The label panel names the model's classes.
    const bars = await page.locator('.bars .bar-name').allInnerTexts();
    expect(bars.map((b) => b.trim())).toEqual(CLASSES);

    await page.getByTestId('copy-link').click();
    await expect.poll(() => page.getByTestId('export-note').innerText()).toMatch(/cannot carry “Drawn shapes \(e2e\)”/);
    mkdirSync(join(TMP, 'shots'), { recursive: true });
    await page.screenshot({ path: join(TMP, 'shots', 'own-model.png') });

    await backToBundled(page);
    await page.close();
  });

  it('opens from a same-origin ?model= URL, and a link keeps it', async () => {
    const { page } = await session.newPage();
    await page.route('**/hosted/shapes/*', async (route) => {
      const file = new URL(route.request().url()).pathname.split('/').pop() ?? '';
      const path = join(MODEL, file);
      if (!existsSync(path)) return route.fulfill({ status: 404, body: 'not found' });
      return route.fulfill({ status: 200, body: readFileSync(path), contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    });
    await page.goto(session.url('/?model=hosted/shapes/'));
    await waitReady(page);
    expect(await page.getByTestId('model-name').innerText()).toBe(NAME);
    expect((await state(page)).model.source).toBe('url');
    await generateAndWait(page);
    await page.getByTestId('copy-link').click();
    const link = await page.getByTestId('share-url').inputValue();
    expect(link).toContain('?model=hosted/shapes/');
    await backToBundled(page);
    expect(page.url()).not.toContain('model=');
    await page.close();
  });

  it('a ?model= folder that is not there says so; the bundled model is one click away', async () => {
    const { page } = await session.newPage();
    await page.goto(session.url('/?model=no-such-model/'));
    const box = page.getByTestId('error-engine');
    await box.waitFor({ timeout: 60_000 });
    expect(await box.getAttribute('data-detail')).toBe('http');
    expect(await box.innerText()).toMatch(/model\.json: (HTTP 404|not found at)/);
    await backToBundled(page);
    await page.close();
  });

  it('a damaged or truncated shard in a chosen folder gets the integrity error, naming the shard', async () => {
    const damaged = join(TMP, 'damaged');
    rmSync(damaged, { recursive: true, force: true });
    cpSync(MODEL, damaged, { recursive: true });
    const shard = join(damaged, 'group1-shard2of3.bin');
    const bytes = readFileSync(shard);
    bytes[100] = (bytes[100]! + 1) % 256;
    writeFileSync(shard, bytes);

    const page = await openBundled();
    // A folder without model.json (the data set itself): an error notice says what to choose; the bundled model stays.
    await page.getByTestId('model-files').setInputFiles(DATA);
    await expect.poll(() => page.getByTestId('notices').innerText()).toMatch(/none of them model\.json\. Choose the folder the pipeline exported/);
    expect((await state(page)).model.source).toBe('bundled');

    await pickFolder(page, damaged);
    const box = page.getByTestId('error-engine');
    await box.waitFor({ timeout: 60_000 });
    expect(await box.getAttribute('data-detail')).toBe('integrity');
    expect(await page.getByTestId('error-engine-title').innerText()).toBe('A model file arrived damaged');
    expect(await box.innerText()).toMatch(/group1-shard2of3\.bin: sha256 mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64}/);

    writeFileSync(shard, bytes.subarray(0, 1000));
    await pickFolder(page, damaged);
    await box.waitFor({ timeout: 60_000 });
    await expect.poll(() => box.innerText()).toMatch(/group1-shard2of3\.bin: size mismatch \(truncated\?\): expected \d+ bytes, got 1000/);

    await backToBundled(page);
    await page.close();
  });

  it.skipIf(SHOT_MODEL === undefined)('the README screenshot: a model of your own loaded (OWN_MODEL_SHOT=its folder)', async () => {
    const { page } = await session.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(session.url('/'));
    await waitReady(page);
    await pickFolder(page, resolve(SHOT_MODEL ?? ''));
    await waitReady(page);
    await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().actions.setConfig({ mode: 'joint', batch: 16, steps: 50, seed: 3 }));
    await generateAndWait(page, 'done', 300_000);
    await page.evaluate(() => window.scrollTo(0, 0));
    await settle(page);
    await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'own-model.png') });
    await page.close();
  }, 400_000);
});
