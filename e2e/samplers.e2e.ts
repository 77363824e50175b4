/**
 * The samplers beyond DDPM and DDIM in the page: a Heun link on Karras timesteps runs with two network
 * evaluations a step (the player's NFE and every frame's), the sampler picker and its quality chart follow the
 * link, and the bad inputs of the samplers (a step count a sampler cannot take, an unknown sampler or spacing in
 * a link) each end in a notice that names the field. The screenshot goes to e2e/.tmp/ (looked at by hand).
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAndWait, settle, waitReady, type AppWindow } from './app.ts';
import { launchBrowser, type BrowserSession } from './harness.ts';

let session: BrowserSession;
const TMP = 'e2e/.tmp';

beforeAll(async () => {
  mkdirSync(TMP, { recursive: true });
  session = await launchBrowser();
});

afterAll(async () => {
  await session?.close();
});

async function open(hash: string): Promise<Page> {
  const { page } = await session.newPage();
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.goto(session.url(`/${hash}`));
  return page;
}

const notices = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().notices.map((n) => n.text));

describe('samplers', () => {
  it('a Heun link on Karras timesteps: NFE 0, 2, 4, 5 on the frames and in the player; the picker and the chart follow it', async () => {
    const page = await open('#mode=unconditional&sampler=heun&steps=3&seed=5&batch=1&spacing=karras');
    await waitReady(page);
    expect(await page.getByRole('radiogroup', { name: 'Sampler' }).getByRole('radio', { name: 'Heun' }).isChecked()).toBe(true);
    expect(await page.getByTestId('karras').isChecked()).toBe(true);
    expect(await page.getByTestId('nfe-hint').innerText()).toMatch(/^NFE 5 \(network evaluations\)/);
    await generateAndWait(page);
    const run = await page.evaluate(() => {
      const app = (window as unknown as AppWindow).mtdPlayground;
      const n = app.getState().trajectory.frameCount;
      return Array.from({ length: n }, (_, i) => {
        const f = app.getFrame(i) as unknown as { t: number; nfe?: number };
        return [f.t, f.nfe];
      });
    });
    expect(run).toEqual([
      [1000, 0],
      [594, 2],
      [1, 4],
      [0, 5],
    ]);
    await page.getByRole('button', { name: 'Jump to end' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="nfe"]')?.textContent?.includes('NFE 5 / 5'), undefined, { timeout: 10_000 });
    // The quality chart: drawn when the shipped report has a curve; the current line is marked where it is measured.
    const curve = await page.evaluate(async () => {
      const r = (await (await fetch('weights/report.json')).json()) as { qualityVsNfe?: { lines: { sampler: string; spacing: string }[] } };
      return r.qualityVsNfe ?? null;
    });
    if (curve !== null) {
      const chart = page.getByTestId('quality-chart');
      await chart.waitFor();
      expect(await chart.getByTestId('quality-line').count()).toBe(curve.lines.length);
      const measured = curve.lines.some((l) => l.sampler === 'heun' && l.spacing === 'karras');
      expect(await chart.locator('[data-current="true"]').count()).toBe(measured ? 1 : 0);
      expect(await chart.locator('figcaption').innerText()).toMatch(measured ? /Heun · Karras at NFE 5/ : /Heun · Karras is not measured/);
    }
    await settle(page);
    await page.locator('.run-controls').screenshot({ path: `${TMP}/samplers-controls.png` });
    await page.screenshot({ path: `${TMP}/samplers-page.png`, fullPage: true });
    await page.close();
  });

  it('a step count the sampler cannot take, an unknown sampler and an unknown spacing each get a notice naming the field', async () => {
    const page = await open('#mode=unconditional&sampler=dpmpp_2m&steps=1&seed=1');
    await page.getByTestId('notice').first().waitFor();
    expect(await notices(page)).toContain('steps: DPM++ 2M needs at least 3 steps (its first and last steps are first order), got 1; using 3.');
    const config = await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().config);
    expect(config).toMatchObject({ sampler: 'dpmpp_2m', steps: 3 });
    // In the controls: picking DPM++ 2M with 2 steps says the same and uses 3.
    await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().actions.setConfig({ sampler: 'ddim', steps: 2 }));
    await page.getByRole('radiogroup', { name: 'Sampler' }).getByRole('radio', { name: 'DPM++ 2M' }).check({ force: true });
    await page.waitForFunction(() => (window as unknown as AppWindow).mtdPlayground.getState().config.steps === 3);
    expect((await notices(page)).at(-1)).toBe('steps: DPM++ 2M needs at least 3 steps (its first and last steps are first order), got 2; using 3.');
    await page.close();

    const other = await open('#mode=unconditional&sampler=lms&spacing=log&seed=1');
    await other.getByTestId('notice').first().waitFor();
    const texts = await notices(other);
    expect(texts).toContain('Ignored sampler = "lms" from the link (valid: ddim, ddpm, euler, euler_a, heun, dpmpp_2m).');
    expect(texts).toContain('Ignored spacing = "log" from the link (valid: trailing, karras).');
    await other.close();
  });
});
