/**
 * Canvas drawing of the representation map (joint image-representation setting): test-set points
 * coloured by class (component 0 to the right, component 1 upwards), the picked target as a ring, the
 * repr head's prediction over the trajectory as a trail ending in a marker at the current frame, and
 * the other samples of a batch as small dots.
 */
import { pointUV, toCanvas, type MapBounds, type MapPoints, type UV, type XY } from '../store/index.ts';
import { CLASS_COLORS } from './draw.ts';

const BACKGROUND = '#0d1014';
const AXIS = '#3a4250';
const TEXT = '#a9b1ba';

export interface MapScene {
  readonly points: MapPoints;
  readonly bounds: MapBounds;
  /** Point index of the target ring, or null. */
  readonly target: number | null;
  /** The selected sample's predicted (u, v) for frames 0..current; the last one is the marker. */
  readonly trail: readonly UV[];
  /** The other samples' predicted (u, v) at the current frame. */
  readonly others: readonly UV[];
}

/** What was drawn, for tests and debugging (set as data attributes on the canvas). */
export interface MapDrawn {
  readonly points: number;
  /** The marker's centre in canvas pixels, or null when there is no trajectory. */
  readonly marker: XY | null;
  readonly target: XY | null;
}

const clampTo = (size: number, p: XY, pad: number): XY => ({
  x: Math.min(size - pad, Math.max(pad, p.x)),
  y: Math.min(size - pad, Math.max(pad, p.y)),
});

function dot(ctx: CanvasRenderingContext2D, p: XY, r: number): void {
  ctx.beginPath();
  ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
}

export function drawReprMap(ctx: CanvasRenderingContext2D, scene: MapScene): MapDrawn {
  const size = ctx.canvas.width;
  const unit = size / 512;
  const { points, bounds } = scene;
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, size, size);

  // Axes through 0 (the mean of the whitened representation), with their names.
  const origin = toCanvas(bounds, size, { u: 0, v: 0 });
  ctx.fillStyle = AXIS;
  ctx.fillRect(0, Math.round(origin.y), size, Math.max(1, unit));
  ctx.fillRect(Math.round(origin.x), 0, Math.max(1, unit), size);
  ctx.fillStyle = TEXT;
  ctx.font = `${Math.round(13 * Math.max(unit, 0.75))}px system-ui, sans-serif`;
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'right';
  ctx.fillText('component 1 →', size - 6 * unit, size - 4 * unit);
  ctx.save();
  ctx.translate(14 * Math.max(unit, 0.75), 6 * unit);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('component 2 →', 0, 0);
  ctx.restore();

  // The test set, coloured by class.
  const r = Math.max(1.5, 2.6 * unit);
  ctx.globalAlpha = 0.6;
  for (let i = 0; i < points.count; i++) {
    ctx.fillStyle = CLASS_COLORS[points.labels[i]!] ?? '#888888';
    const p = toCanvas(bounds, size, pointUV(points, i));
    ctx.fillRect(p.x - r / 2, p.y - r / 2, r, r);
  }
  ctx.globalAlpha = 1;

  // The target: a white ring with a cross.
  let target: XY | null = null;
  if (scene.target !== null && scene.target >= 0 && scene.target < points.count) {
    target = toCanvas(bounds, size, pointUV(points, scene.target));
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 2 * unit;
    dot(ctx, target, 9 * unit);
    ctx.stroke();
    ctx.fillStyle = CLASS_COLORS[points.labels[scene.target]!] ?? '#888888';
    dot(ctx, target, 4 * unit);
    ctx.fill();
  }

  // The other samples of a batch.
  ctx.fillStyle = 'rgba(255, 255, 255, 0.7)';
  for (const o of scene.others) {
    dot(ctx, clampTo(size, toCanvas(bounds, size, o), 3 * unit), 3 * unit);
    ctx.fill();
  }

  // The trail and its marker (kept inside the canvas when the prediction leaves the map).
  let marker: XY | null = null;
  if (scene.trail.length > 0) {
    const pts = scene.trail.map((p) => clampTo(size, toCanvas(bounds, size, p), 7 * unit));
    ctx.strokeStyle = 'rgba(255, 214, 102, 0.85)';
    ctx.lineWidth = 2 * unit;
    ctx.beginPath();
    pts.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
    ctx.stroke();
    marker = pts[pts.length - 1]!;
    ctx.fillStyle = '#ffd666';
    ctx.strokeStyle = '#000000';
    ctx.lineWidth = 2 * unit;
    dot(ctx, marker, 7 * unit);
    ctx.fill();
    ctx.stroke();
  }
  return { points: points.count, marker, target };
}
