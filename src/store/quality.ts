/**
 * The quality-versus-steps curve of the loaded model: report.json `qualityVsNfe` beside its model.json (the
 * bundled model's is public/weights/report.json), measured by training/eval.py --quality-vs-nfe (class-conditional
 * samples, n per point, the Frechet distance on the independent classifier's features against the test split, and
 * that classifier's accuracy on the asked class). parseQuality checks the untrusted JSON; qualityScale fits the
 * chart's axis; the UI's QualityChart draws it beside the sampler choice (store/inputs.ts loads it per model).
 */
import { SAMPLERS, SPACINGS, type SamplerName, type SamplingSpacing } from '../core/samplers.ts';

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

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** report.json's `qualityVsNfe` as a curve; null when the report has none; throws (naming the field) when malformed. */
export function parseQuality(report: unknown): QualityCurve | null {
  if (typeof report !== 'object' || report === null) throw new Error('report.json is not an object');
  const q = (report as { qualityVsNfe?: unknown }).qualityVsNfe;
  if (q === undefined) return null;
  if (typeof q !== 'object' || q === null) throw new Error('qualityVsNfe is not an object');
  const { n, floor, driftGuidance, lines } = q as Record<string, unknown>;
  if (!isNum(n) || !isNum(floor) || !isNum(driftGuidance) || !Array.isArray(lines)) throw new Error('qualityVsNfe needs n, floor, driftGuidance and lines');
  return {
    n,
    floor,
    driftGuidance,
    lines: lines.map((raw: unknown, i) => {
      const l = (raw ?? {}) as Record<string, unknown>;
      const where = `qualityVsNfe.lines[${i}]`;
      if (typeof l.id !== 'string') throw new Error(`${where}.id is not a string`);
      if (!(SAMPLERS as readonly unknown[]).includes(l.sampler)) throw new Error(`${where}.sampler ${JSON.stringify(l.sampler)} is not one of ${SAMPLERS.join(', ')}`);
      if (!(SPACINGS as readonly unknown[]).includes(l.spacing)) throw new Error(`${where}.spacing ${JSON.stringify(l.spacing)} is not one of ${SPACINGS.join(', ')}`);
      if (!isNum(l.eta) || !Array.isArray(l.points)) throw new Error(`${where} needs eta and points`);
      const points = l.points.map((p: unknown, j): QualityPoint => {
        const r = (p ?? {}) as Record<string, unknown>;
        if (![r.nfe, r.steps, r.evaluations, r.frechetDistance, r.accuracy].every(isNum)) throw new Error(`${where}.points[${j}] needs nfe, steps, evaluations, frechetDistance and accuracy`);
        return { nfe: r.nfe as number, steps: r.steps as number, evaluations: r.evaluations as number, frechetDistance: r.frechetDistance as number, accuracy: r.accuracy as number };
      });
      return { id: l.id, sampler: l.sampler as SamplerName, eta: l.eta, spacing: l.spacing as SamplingSpacing, points: [...points].sort((a, b) => a.nfe - b.nfe) };
    }),
  };
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
