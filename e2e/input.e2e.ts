/**
 * Untrusted input: a hostile link is rejected or clamped with a notice and never executed; uploaded
 * images of the wrong type, too large or corrupt get a clear message and change nothing; a good one
 * becomes the drawn image (undoable), without touching the mask.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitReady, type AppWindow } from './app.ts';
import { launchBrowser, type BrowserSession } from './harness.ts';
import { DEFAULT_SAMPLING } from '../src/store/defaults.ts';

let session: BrowserSession;
beforeAll(async () => {
  session = await launchBrowser();
});
afterAll(async () => {
  await session?.close();
});

const state = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState());

describe('hostile URL state', () => {
  it('unknown mode, steps = 10^9, negative seed, an invalid mask, script in fields: clamped or rejected with notices, nothing runs', async () => {
    const { page, problems } = await session.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const xss = '<img src=x onerror="window.__xss=1">';
    const hash = `#mode=${encodeURIComponent(xss)}&steps=1000000000&seed=-7&guidance=${encodeURIComponent('<script>alert(1)</script>')}&mask=${'01'.repeat(300)}`;
    await page.goto(session.url(`/${hash}`));
    await waitReady(page);
    const s = await state(page);
    expect(s.config).toMatchObject({ mode: 'joint', steps: 1000, seed: 0 });
    const texts = s.notices.map((n) => n.text);
    expect(texts).toContain(`Ignored mask = "${'01'.repeat(16)}…" from the link (not a mask).`);
    expect(texts.some((t) => t.startsWith('Ignored mode = "<img src=x onerror='))).toBe(true);
    expect(texts).toContain('Ignored guidance = "<script>alert(1)</script>" from the link (not a number).');
    expect(texts).toContain('steps = "1000000000" is out of range; using 1000.');
    expect(texts).toContain('seed = "-7" is out of range; using 0.');
    // Shown as text, never as markup: the notices are on screen, no injected element, nothing ran.
    expect(await page.getByTestId('notice').count()).toBe(5);
    expect(await page.getByTestId('notices').innerText()).toContain('<img src=x onerror');
    expect(await page.locator('img[src="x"], script:not([src])').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    // The link is rewritten to what the page really uses.
    const now = await page.evaluate(() => location.hash);
    expect(now.startsWith(`#mode=joint&sampler=${DEFAULT_SAMPLING.sampler}&steps=1000&eta=0&seed=0&`)).toBe(true);
    expect(now).not.toMatch(/[<>]|mask=/);
    // A notice can be dismissed.
    await page.getByRole('button', { name: 'Dismiss this notice' }).first().click();
    expect(await page.getByTestId('notice').count()).toBe(4);
    expect(problems.pageErrors).toEqual([]);
    await page.close();
  });

  it('a hash too long to be a real link is ignored as a whole, with a notice', async () => {
    const { page } = await session.newPage();
    await page.goto(session.url(`/#steps=5&mask=${'1'.repeat(20_000)}`));
    await page.getByTestId('notice').first().waitFor();
    const s = await state(page);
    expect(s.config.steps).toBe(DEFAULT_SAMPLING.steps); // the default: nothing of the link was used
    expect(s.notices.map((n) => n.text)).toEqual(["The link's settings are 20013 characters long (at most 1024); they were ignored."]);
    await page.close();
  });
});

describe('image upload', () => {
  let page: Page;
  beforeAll(async () => {
    ({ page } = await session.newPage());
    await page.goto(session.url('/#mode=inpaint&steps=5'));
    await page.getByTestId('upload-input').waitFor();
  });
  afterAll(async () => {
    await page?.close();
  });

  const upload = async (name: string, mimeType: string, buffer: Buffer) => {
    await page.getByTestId('upload-input').setInputFiles({ name, mimeType, buffer });
  };
  const errorText = async () => {
    await page.getByTestId('upload-error').waitFor();
    return page.getByTestId('upload-error').innerText();
  };
  const editor = () => page.evaluate(() => {
    const e = (window as unknown as AppWindow).mtdPlayground.getState().editor;
    return { source: e.source, undoDepth: e.undoDepth, drawn: Array.from(e.drawn), mask: Array.from((e as unknown as { mask: Float32Array }).mask) };
  });

  it('rejects the wrong type, a huge file and corrupt data with a clear message, changing nothing', async () => {
    const before = await editor();
    await upload('notes.txt', 'text/plain', Buffer.from('hello'));
    expect(await errorText()).toBe('“notes.txt” is a text/plain file. Choose a PNG, JPEG or WebP image.');
    await upload('huge.png', 'image/png', Buffer.alloc(6 * 1024 * 1024, 1));
    await page.getByText('“huge.png” is 6.0 MB').waitFor();
    expect(await errorText()).toBe('“huge.png” is 6.0 MB; images up to 5.0 MB are accepted. Choose a smaller image.');
    const junk = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251));
    await upload('broken.png', 'image/png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), junk]));
    await page.getByText('“broken.png” could not be decoded').waitFor();
    expect(await errorText()).toMatch(/the file is damaged or not really a PNG image/);
    expect(await editor()).toEqual(before);
  });

  it('a good PNG becomes the drawn image at 28x28 greyscale (inverted from dark-on-light), undoable, mask kept', async () => {
    const before = await editor();
    // A black square on white, 56x56, made by the browser's own PNG encoder.
    const b64 = await page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 56;
      c.height = 56;
      const ctx = c.getContext('2d')!;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 56, 56);
      ctx.fillStyle = '#000';
      ctx.fillRect(14, 14, 28, 28);
      return c.toDataURL('image/png').split(',')[1]!;
    });
    await upload('square.png', 'image/png', Buffer.from(b64, 'base64'));
    await page.getByTestId('upload-ok').waitFor();
    expect(await page.getByTestId('upload-ok').innerText()).toMatch(/Loaded “square\.png” as a 28×28 greyscale image/);
    const after = await editor();
    expect(after.source).toBe('drawn');
    expect(after.undoDepth).toBe(before.undoDepth + 1);
    expect(after.mask).toEqual(before.mask);
    // Model space 32x32 with a 2-pixel pad: the square (data 7..20) is white (+1), the border black (-1).
    const at = (y: number, x: number) => after.drawn[(y + 2) * 32 + (x + 2)]!;
    expect(at(14, 14)).toBeGreaterThan(0.95);
    expect(at(2, 2)).toBeLessThan(-0.95);
    expect(after.drawn[0]).toBe(-1);
    await page.getByRole('button', { name: 'Undo' }).click();
    expect((await editor()).drawn).toEqual(before.drawn);
  });
});
