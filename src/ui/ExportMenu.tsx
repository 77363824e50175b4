/**
 * Share and export. *Copy link* puts the whole state (run settings, head, frame, image, mask, compare) in
 * a URL: opening it runs the same trajectory and stops on the same frame. Exports: the frame shown as PNG,
 * the trajectory as a PNG strip, an animated GIF (gifenc) and JSON (config, label distributions, arrays).
 */
import { useState } from 'react';
import type { Frame } from '../engine/protocol.ts';
import { encodeGif, linkCaveat, linkNote, shareHash, trajectoryExport, type AppState } from '../store/index.ts';
import { drawFrame, type DrawOptions } from './draw.ts';
import { useAppStore, useApp } from './store-context.tsx';
import { Explain } from './teach/Explain.tsx';

function drawOptions(s: AppState): DrawOptions {
  const run = s.trajectory.run!;
  return {
    head: s.view.head,
    batch: run.batch,
    selected: s.view.sample,
    mask: s.view.showMask && run.mask ? run.mask : null,
    givenSketch: s.view.showMask ? run.sketch : null,
    driftScale: s.actions.frames().driftMaxAbs,
    classNames: s.samples.classNames.length ? s.samples.classNames : (s.engine.config?.classNames ?? []),
  };
}

function frameCanvas(frame: Frame, o: DrawOptions, size: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  drawFrame(c.getContext('2d')!, frame, o);
  return c;
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const toPng = (c: HTMLCanvasElement): Promise<Blob> =>
  new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));

export function shareUrl(s: AppState, location: { origin: string; pathname: string; search: string }): string {
  return `${location.origin}${location.pathname}${location.search}${shareHash(s, true)}`;
}

/** What a link of the state carries and cannot carry, as two sentences (a string: cheap to compare). */
function caveatText(s: AppState): string {
  if (s.trajectory.status === 'running') return '';
  const { carries, missing } = linkCaveat(s);
  const has = `A link carries ${carries.join(', ')}.`;
  return missing.length === 0 ? has : `${has}\n It cannot carry ${missing.join('; ')}.`;
}

/** Said before copying: what whoever opens the link will see. */
function LinkCaveat() {
  const text = useApp(caveatText);
  if (!text) return null;
  const [has, missing] = text.split('\n');
  return (
    <p className="small link-caveat" data-testid="link-caveat" data-complete={missing ? '0' : '1'}>
      {has}
      {missing ? <strong className="warn-text">{missing}</strong> : null}
    </p>
  );
}

export function ExportMenu() {
  const store = useAppStore();
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const status = useApp((s) => s.trajectory.status);
  const [link, setLink] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const empty = frameCount === 0;
  const running = status === 'running';

  const base = (s: AppState) => `mtd-${s.trajectory.run?.mode ?? 'run'}-seed${s.trajectory.run?.seed ?? 0}-${s.view.head}`;

  const copyLink = async () => {
    const url = shareUrl(store.getState(), window.location);
    setLink(url);
    // A model from the disk cannot travel in a link: say so with the note.
    const { model } = store.getState();
    const about = linkNote(model.source, model.name);
    const suffix = about === null ? '' : ` ${about}`;
    try {
      await navigator.clipboard.writeText(url);
      setNote(`Link copied.${suffix}`);
    } catch {
      setNote(`Copy the link below (the clipboard is not available here).${suffix}`);
    }
  };

  const job = (fn: (s: AppState, frames: readonly Frame[]) => Promise<void>) => async () => {
    const s = store.getState();
    if (!s.trajectory.run || s.trajectory.frameCount === 0) return;
    setBusy(true);
    setNote('');
    try {
      await fn(s, s.actions.frames().all().slice(0, s.trajectory.frameCount));
    } catch (e) {
      setNote(`Export failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const exportFrame = job(async (s, frames) => {
    const k = Math.min(s.player.frameIndex, frames.length - 1);
    download(await toPng(frameCanvas(frames[k]!, drawOptions(s), 512)), `${base(s)}-frame${k}.png`);
  });

  const exportStrip = job(async (s, frames) => {
    const cell = s.trajectory.run!.batch > 1 ? 128 : 64;
    const gap = 2;
    const cols = Math.min(frames.length, 25);
    const rows = Math.ceil(frames.length / cols);
    const c = document.createElement('canvas');
    c.width = cols * cell + (cols - 1) * gap;
    c.height = rows * cell + (rows - 1) * gap;
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#4a5464';
    ctx.fillRect(0, 0, c.width, c.height);
    const o = drawOptions(s);
    frames.forEach((f, i) => ctx.drawImage(frameCanvas(f, o, cell), (i % cols) * (cell + gap), Math.floor(i / cols) * (cell + gap)));
    download(await toPng(c), `${base(s)}-strip.png`);
  });

  const exportGif = job(async (s, frames) => {
    const size = s.trajectory.run!.batch > 1 ? 256 : 128;
    const o = drawOptions(s);
    const images = frames.map((f) => frameCanvas(f, o, size).getContext('2d')!.getImageData(0, 0, size, size).data);
    const bytes = encodeGif(images, size, size, Math.round(1000 / s.player.fps));
    download(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/gif' }), `${base(s)}.gif`);
    await Promise.resolve();
  });

  const exportJson = job(async (s, frames) => {
    const names = s.samples.classNames.length ? s.samples.classNames : (s.engine.config?.classNames ?? []);
    const data = trajectoryExport(s.trajectory.run!, frames, names);
    download(new Blob([JSON.stringify(data)], { type: 'application/json' }), `${base(s)}.json`);
    await Promise.resolve();
  });

  return (
    <section className="panel export-panel" aria-labelledby="export-title">
      <h2 id="export-title">Share and export</h2>
      <div className="button-row">
        <button type="button" onClick={() => void copyLink()} data-testid="copy-link">
          Copy link
        </button>
        <button type="button" onClick={() => void exportFrame()} disabled={empty || busy} data-testid="export-frame">
          Frame PNG
        </button>
        <button type="button" onClick={() => void exportStrip()} disabled={empty || busy || running} data-testid="export-strip">
          Strip PNG
        </button>
        <button type="button" onClick={() => void exportGif()} disabled={empty || busy || running} data-testid="export-gif">
          GIF
        </button>
        <button type="button" onClick={() => void exportJson()} disabled={empty || busy || running} data-testid="export-json">
          JSON
        </button>
      </div>
      <LinkCaveat />
      {link ? (
        <input className="share-url" type="text" readOnly value={link} aria-label="Link to this run and frame" data-testid="share-url" onFocus={(e) => e.target.select()} />
      ) : null}
      <p className="muted" role="status" data-testid="export-note">
        {busy ? 'Exporting…' : note}
      </p>
      <Explain id="export">
        <p>
          The link holds every setting and the frame shown; the same seed always gives the same trajectory, so whoever opens it sees this exact
          frame (a branch&apos;s link replays the runs it came from, then branches as you did), except where the line above says otherwise. Exports use the head drawn now; the JSON has every frame&apos;s label distribution, z<sub>t</sub> and x̂₀.
        </p>
      </Explain>
    </section>
  );
}
