/**
 * Canvas drawing of frames, outside React renders. Model-space images (32x32, [-1, 1]) are written
 * pixel for pixel into a small ImageData and scaled up with nearest-neighbour sampling
 * (imageSmoothingEnabled = false), so every model pixel is a crisp square.
 */
import type { Frame } from '../engine/protocol.ts';
import { classesOf, type Head } from '../store/index.ts';

export const CLASS_COLORS = [
  '#5b9bd5', // T-shirt/top
  '#f28e2b', // Trouser
  '#e15759', // Pullover
  '#76b7b2', // Dress
  '#59a14f', // Coat
  '#edc948', // Sandal
  '#c490bf', // Shirt
  '#ff9da7', // Sneaker
  '#c09a7f', // Bag
  '#bab0ac', // Ankle boot
] as const;

export const CANVAS_SIZE = 512;
const SIDE = 32;
/** Tint over hidden (generated) pixels: amber. */
const MASK_TINT: readonly [number, number, number, number] = [255, 176, 0, 0.38];
const BACKGROUND = '#0d1014';
const ACCENT = '#58a6ff';
const GRID_GAP = '#4a5464';

/** [-1, 1] -> 0..255 (u8 / 127.5 - 1 maps back to u8 exactly). */
export function toByte(v: number): number {
  const b = Math.round((v + 1) * 127.5);
  return b < 0 ? 0 : b > 255 ? 255 : Number.isNaN(b) ? 0 : b;
}

/** Grid geometry: batch 1 -> one cell; batch 16 -> 4x4 cells with a gap. */
export function gridOf(batch: number, size = CANVAS_SIZE): { cols: number; cell: number; gap: number } {
  const cols = batch === 1 ? 1 : Math.ceil(Math.sqrt(batch));
  const gap = cols === 1 ? 0 : 4;
  const cell = Math.floor((size - gap * (cols - 1)) / cols);
  return { cols, cell, gap };
}

export function cellOrigin(i: number, batch: number, size = CANVAS_SIZE): { x: number; y: number; cell: number } {
  const { cols, cell, gap } = gridOf(batch, size);
  return { x: (i % cols) * (cell + gap), y: Math.floor(i / cols) * (cell + gap), cell };
}

let scratch: HTMLCanvasElement | null = null;
function scratchCanvas(): HTMLCanvasElement {
  if (!scratch) {
    scratch = document.createElement('canvas');
    scratch.width = SIDE;
    scratch.height = SIDE;
  }
  return scratch;
}

/** Writes one 32x32 sample into an RGBA buffer, with an optional tint over hidden mask pixels. */
function fillGray(data: Uint8ClampedArray, values: Float32Array, offset: number, mask: Float32Array | null): void {
  for (let i = 0; i < SIDE * SIDE; i++) {
    let g = toByte(values[offset + i]!);
    let r = g;
    let b = g;
    if (mask && mask[i]! < 0.5) {
      const [tr, tg, tb, a] = MASK_TINT;
      r = Math.round(r * (1 - a) + tr * a);
      g = Math.round(g * (1 - a) + tg * a);
      b = Math.round(b * (1 - a) + tb * a);
    }
    data[i * 4] = r;
    data[i * 4 + 1] = g;
    data[i * 4 + 2] = b;
    data[i * 4 + 3] = 255;
  }
}

/** Tint over the edges of the given sketch (sketch runs, sketch head): cyan. */
const SKETCH_TINT: readonly [number, number, number, number] = [0, 200, 255, 0.5];

/**
 * The sketch head: its target is the {0, 1} edge map (data.py sketch_of), so [0, 1] maps to black..white
 * (values outside are clipped). Edges of the given sketch, when there is one, are tinted cyan on top.
 */
function fillSketch(data: Uint8ClampedArray, values: Float32Array, offset: number, given: Float32Array | null): void {
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = values[offset + i]!;
    const g = Number.isNaN(v) ? 0 : Math.round(Math.max(0, Math.min(1, v)) * 255);
    let rgb = [g, g, g];
    if (given && given[i]! > 0.5) {
      const [tr, tg, tb, a] = SKETCH_TINT;
      rgb = [Math.round(g * (1 - a) + tr * a), Math.round(g * (1 - a) + tg * a), Math.round(g * (1 - a) + tb * a)];
    }
    data[i * 4] = rgb[0]!;
    data[i * 4 + 1] = rgb[1]!;
    data[i * 4 + 2] = rgb[2]!;
    data[i * 4 + 3] = 255;
  }
}

/** Diverging colours for the drift: blue below zero, orange above, black at zero; `scale` maps to full. */
function fillDiverging(data: Uint8ClampedArray, values: Float32Array, offset: number, scale: number): void {
  const s = scale > 0 ? scale : 1;
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = Math.max(-1, Math.min(1, values[offset + i]! / s));
    const a = Math.abs(v);
    const [r, g, b] = v >= 0 ? [255, 150, 40] : [70, 150, 255];
    data[i * 4] = Math.round(r * a);
    data[i * 4 + 1] = Math.round(g * a);
    data[i * 4 + 2] = Math.round(b * a);
    data[i * 4 + 3] = 255;
  }
}

function blit(ctx: CanvasRenderingContext2D, image: ImageData, x: number, y: number, size: number): void {
  const s = scratchCanvas();
  const sctx = s.getContext('2d');
  if (!sctx) return;
  sctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(s, 0, 0, SIDE, SIDE, x, y, size, size);
}

function drawBars(
  ctx: CanvasRenderingContext2D,
  probs: Float32Array,
  offset: number,
  k: number,
  x: number,
  y: number,
  size: number,
  classNames: readonly string[],
): void {
  ctx.fillStyle = '#161a20';
  ctx.fillRect(x, y, size, size);
  const pad = size * 0.08;
  const labelSpace = size >= 256 ? size * 0.14 : size * 0.18;
  const w = (size - 2 * pad) / k;
  const h = size - 2 * pad - labelSpace;
  let best = 0;
  for (let c = 1; c < k; c++) if (probs[offset + c]! > probs[offset + best]!) best = c;
  // Axis
  ctx.fillStyle = '#3a4250';
  ctx.fillRect(x + pad, y + pad + h, size - 2 * pad, Math.max(1, size / 256));
  for (let c = 0; c < k; c++) {
    const p = Math.max(0, Math.min(1, probs[offset + c] ?? 0));
    const bh = Math.max(1, p * h);
    ctx.fillStyle = CLASS_COLORS[c]!;
    ctx.fillRect(x + pad + c * w + w * 0.12, y + pad + h - bh, w * 0.76, bh);
    if (c === best) {
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = Math.max(1, size / 200);
      ctx.strokeRect(x + pad + c * w + w * 0.12, y + pad + h - bh, w * 0.76, bh);
    }
  }
  const name = classNames[best] ?? `class ${best}`;
  const pct = `${Math.round((probs[offset + best] ?? 0) * 100)}%`;
  ctx.fillStyle = '#e6e8eb';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.font = `${Math.round(labelSpace * 0.55)}px system-ui, sans-serif`;
  ctx.fillText(size >= 256 ? `${name} · ${pct}` : name, x + size / 2, y + pad + h + labelSpace * 0.55);
  if (size >= 256) {
    // Class indices under the bars.
    ctx.font = `${Math.round(w * 0.3)}px system-ui, sans-serif`;
    ctx.fillStyle = '#a9b1ba';
    for (let c = 0; c < 10; c++) ctx.fillText(String(c), x + pad + c * w + w / 2, y + pad + h + w * 0.25);
  }
}

export interface DrawOptions {
  readonly head: Head;
  readonly batch: number;
  /** Highlighted sample (batch 16). */
  readonly selected: number;
  /** The run's mask (1 visible, 0 hidden) to tint over image heads, or null. */
  readonly mask: Float32Array | null;
  /** Colour scale of the drift head (max |c-hat| over the trajectory). */
  readonly driftScale: number;
  /** The run's given sketch to tint over the sketch head, or null. */
  readonly givenSketch?: Float32Array | null;
  readonly classNames: readonly string[];
}

/** The array an image-like head draws from. */
export function headValues(frame: Frame, head: Head): Float32Array | null {
  switch (head) {
    case 'z':
      return frame.z;
    case 'x0':
      return frame.x0Hat;
    case 'masked':
      return frame.masked;
    case 'drift':
      return frame.drift;
    case 'sketch':
      return frame.sketch;
    default:
      return null;
  }
}

/** Draws one frame of one head onto a CANVAS_SIZE x CANVAS_SIZE canvas. */
export function drawFrame(ctx: CanvasRenderingContext2D, frame: Frame, o: DrawOptions): void {
  const size = ctx.canvas.width;
  // In a grid, the gaps between cells are lighter than any image background.
  ctx.fillStyle = o.batch > 1 ? GRID_GAP : BACKGROUND;
  ctx.fillRect(0, 0, size, size);
  const image = new ImageData(SIDE, SIDE);
  const values = headValues(frame, o.head);
  for (let i = 0; i < o.batch; i++) {
    const { x, y, cell } = cellOrigin(i, o.batch, size);
    const offset = i * SIDE * SIDE;
    if (o.head === 'label') {
      drawBars(ctx, frame.labelProbs, i * classesOf(frame), classesOf(frame), x, y, cell, o.classNames);
    } else if (o.head === 'drift' && values) {
      fillDiverging(image.data, values, offset, o.driftScale);
      blit(ctx, image, x, y, cell);
    } else if (o.head === 'sketch' && values) {
      fillSketch(image.data, values, offset, o.givenSketch ?? null);
      blit(ctx, image, x, y, cell);
    } else if (values) {
      fillGray(image.data, values, offset, o.mask);
      blit(ctx, image, x, y, cell);
    }
  }
  if (o.batch > 1) {
    const { x, y, cell } = cellOrigin(o.selected, o.batch, size);
    ctx.strokeStyle = ACCENT;
    ctx.lineWidth = 4;
    ctx.strokeRect(x + 2, y + 2, cell - 4, cell - 4);
  }
}

/** Clears a frame canvas to the background. */
export function clearCanvas(ctx: CanvasRenderingContext2D): void {
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
}

/**
 * The sketch editor: edges (1) white over the test image they came from, dimmed to a quarter (or over
 * black for a drawn sketch), filling the canvas.
 */
export function drawSketch(ctx: CanvasRenderingContext2D, sketch: Float32Array, under: Float32Array | null): void {
  const image = new ImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    // Edge pixels light cyan; elsewhere the underlying image at a quarter of its brightness.
    const g = under ? Math.round(toByte(under[i]!) * 0.25) : 0;
    const [r, gg, b] = sketch[i]! > 0.5 ? [150, 235, 255] : [g, g, g];
    image.data[i * 4] = r;
    image.data[i * 4 + 1] = gg;
    image.data[i * 4 + 2] = b;
    image.data[i * 4 + 3] = 255;
  }
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  blit(ctx, image, 0, 0, ctx.canvas.width);
}

/** Draws a model-space image (and optionally its mask tint) to fill a canvas: the editor and previews. */
export function drawModelImage(ctx: CanvasRenderingContext2D, values: Float32Array, mask: Float32Array | null): void {
  const image = new ImageData(SIDE, SIDE);
  fillGray(image.data, values, 0, mask);
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  blit(ctx, image, 0, 0, ctx.canvas.width);
}

const thumbCache = new Map<string, string>();

/** A data URL of a uint8 size x size image (thumbnails in the picker), cached by key. */
export function thumbnailUrl(key: string, pixels: Uint8Array, size: number): string {
  const hit = thumbCache.get(key);
  if (hit) return hit;
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  const ctx = c.getContext('2d');
  if (!ctx) return '';
  const image = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const g = pixels[i] ?? 0;
    image.data[i * 4] = g;
    image.data[i * 4 + 1] = g;
    image.data[i * 4 + 2] = g;
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  const url = c.toDataURL('image/png');
  thumbCache.set(key, url);
  return url;
}

/** Draws a model-space map with the drift's diverging colours (blue < 0 < orange), full colour at |v| = scale. */
export function drawDivergingImage(ctx: CanvasRenderingContext2D, values: Float32Array, scale: number): void {
  const image = new ImageData(SIDE, SIDE);
  fillDiverging(image.data, values, 0, scale);
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  blit(ctx, image, 0, 0, ctx.canvas.width);
}
