/**
 * The quality-versus-steps curve of the loaded model: report.json `qualityVsNfe` beside its model.json (the
 * bundled model's is public/weights/report.json), measured by training/eval.py --quality-vs-nfe (class-conditional
 * samples, n per point, the Frechet distance on the independent classifier's features against the test split, and
 * that classifier's accuracy on the asked class). parseQuality checks the untrusted JSON (QualityCurveSchema, valibot); qualityScale fits the
 * chart's axis; the UI's QualityChart draws it beside the sampler choice (store/inputs.ts loads it per model).
 */
import * as v from 'valibot';
import { SAMPLERS, SPACINGS, type SamplerName, type SamplingSpacing } from '../core/samplers.ts';
import { fields, finite, integer, oneOf, parseWith, show, string } from '../model/schema.ts';

export interface QualityPoint {
  /** The NFE budget of the point; `evaluations` is what the run took (Heun: an odd number within it). */
  readonly nfe: number;
  readonly steps: number;
  readonly evaluations: number;
  readonly frechetDistance: number;
  readonly accuracy: number;
}

export interface QualityLine {
  readonly id: string;
  readonly sampler: SamplerName;
  readonly eta: number;
  readonly spacing: SamplingSpacing;
  /** Points by ascending NFE. */
  readonly points: readonly QualityPoint[];
}

export interface QualityCurve {
  /** Samples per point. */
  readonly n: number;
  /** The Frechet distance of n held-out real images: the best a sampler can do. */
  readonly floor: number;
  readonly driftGuidance: number;
  readonly lines: readonly QualityLine[];
}

/** The file beside model.json that holds the evaluation's figures. */
export const REPORT_JSON = 'report.json';

/**
 * What measures a model's curve (training/eval.py's flags): RUN is the folder `npm run train -- --out RUN`
 * wrote (its checkpoint, classifier and exported model/); the points go into RUN/model/report.json.
 */
export const QUALITY_COMMAND = 'python3 training/eval.py --quality-vs-nfe --out RUN --weights RUN/model';

const positive = finite('a finite number > 0', (n) => n > 0);

/** One point of report.json's qualityVsNfe; other keys (seconds, ratioToFloor) are allowed and dropped. */
const QualityPointSchema = fields({
  nfe: integer(1),
  steps: integer(1),
  evaluations: integer(1),
  frechetDistance: positive, // > 0: the chart's axis is logarithmic
  accuracy: finite('a number in [0, 1]', (n) => n >= 0 && n <= 1),
});

const QualityLineSchema = fields({
  id: string(),
  sampler: oneOf(SAMPLERS),
  spacing: oneOf(SPACINGS),
  eta: finite(),
  points: v.array(QualityPointSchema, 'an array of points'),
});

/** report.json's `qualityVsNfe` (training/eval.py quality_report). */
export const QualityCurveSchema = fields({
  n: integer(1),
  floor: positive,
  driftGuidance: finite(),
  lines: v.array(QualityLineSchema, 'an array of lines'),
});

/** report.json's `qualityVsNfe` as a curve; null when the report has none; throws (naming the file and field) when malformed. */
export function parseQuality(report: unknown): QualityCurve | null {
  if (typeof report !== 'object' || report === null || Array.isArray(report)) throw new Error(`${REPORT_JSON}: the file must be an object, got ${show(report)}`);
  const q = (report as { qualityVsNfe?: unknown }).qualityVsNfe;
  if (q === undefined) return null;
  const parsed = parseWith(QualityCurveSchema, q, { root: 'qualityVsNfe' });
  if (!parsed.ok) throw new Error(`${REPORT_JSON}: ${parsed.failure.message}`);
  const { n, floor, driftGuidance, lines } = parsed.value;
  return { n, floor, driftGuidance, lines: lines.map((l) => ({ ...l, points: [...l.points].sort((a, b) => a.nfe - b.nfe) })) };
}

/** The measured line of a sampler choice: the same sampler and spacing (and eta where the sampler takes it), or null. */
export function qualityLineOf(curve: QualityCurve, sampler: SamplerName, spacing: SamplingSpacing, eta: number): QualityLine | null {
  const same = curve.lines.filter((l) => l.sampler === sampler && l.spacing === spacing);
  return same.find((l) => l.eta === eta) ?? same[0] ?? null;
}

/**
 * The line's Frechet distance at `nfe` model evaluations, interpolated linearly in log NFE between measured
 * points (null outside the measured range: the chart says so instead of extrapolating).
 */
export function frechetAt(line: QualityLine, nfe: number): number | null {
  const pts = line.points;
  if (pts.length === 0 || nfe < pts[0]!.evaluations || nfe > pts[pts.length - 1]!.evaluations) return null;
  for (let i = 0; i < pts.length; i++) {
    const a = pts[i]!;
    if (a.evaluations === nfe) return a.frechetDistance;
    const b = pts[i + 1];
    if (b !== undefined && nfe > a.evaluations && nfe < b.evaluations) {
      const f = Math.log(nfe / a.evaluations) / Math.log(b.evaluations / a.evaluations);
      return a.frechetDistance + f * (b.frechetDistance - a.frechetDistance);
    }
  }
  return null;
}

/**
 * Clipping: the top points of the chart (at most a quarter of them) that sit more than GAP_FACTOR times above
 * the next point down are drawn at the top edge, with their value, instead of stretching the axis.
 */
export const GAP_FACTOR = 2.5;

export interface QualityScale {
  /** The Frechet distance axis, [lo, hi] (drawn logarithmic). */
  readonly lo: number;
  readonly hi: number;
  /** Whether a point lies above `hi` (then drawn at the top edge, with its value). */
  readonly clipped: (p: QualityPoint) => boolean;
}

/**
 * The chart's Frechet distance range: from below the floor to above the largest point that is not far off
 * the rest. A point alone far above the others (Heun on Karras timesteps at NFE 5: 590 where the next is 151)
 * does not squash them; it is clipped to the top edge. A spread-out curve keeps every point (the axis is
 * logarithmic, so a factor of 100 between NFE 5 and 50 is two equal decades, not a squash).
 */
export function qualityScale(curve: QualityCurve): QualityScale {
  const fds = curve.lines.flatMap((l) => l.points.map((p) => p.frechetDistance)).sort((a, b) => b - a);
  if (fds.length === 0) return { lo: curve.floor * 0.8, hi: curve.floor * 10, clipped: () => false };
  let top = fds[0]!;
  for (let i = 0; i < Math.max(1, fds.length >> 2) && i + 1 < fds.length; i++) {
    if (fds[i]! > GAP_FACTOR * fds[i + 1]!) top = fds[i + 1]!;
  }
  const hi = Math.max(curve.floor, top) * 1.15;
  return { lo: Math.min(curve.floor, fds[fds.length - 1]!) * 0.85, hi, clipped: (p) => p.frechetDistance > hi };
}
