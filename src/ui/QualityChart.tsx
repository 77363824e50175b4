/**
 * The quality-versus-steps chart beside the sampler choice: each measured sampler (report.json qualityVsNfe,
 * store/quality.ts) a line of Frechet distance against NFE (both axes logarithmic), the current sampler's line
 * bold with a ring at the current step count's NFE (interpolated in log NFE; none outside the measured range),
 * and the floor of held-out real images dashed. Plain SVG; the numbers are the report's.
 */
import { modelEvaluations } from '../core/samplers.ts';
import { frechetAt, qualityLineOf, type QualityLine } from '../store/index.ts';
import { samplerLabel } from './labels.ts';
import { useApp } from './store-context.tsx';

const W = 260;
const H = 150;
const PAD = { left: 34, right: 8, top: 8, bottom: 24 };
/** One colour per line, in the report's order (distinct on the dark panel). */
const COLOURS = ['#ff7b72', '#58a6ff', '#3fb950', '#d2a8ff', '#f0b429', '#ffa657', '#56d4dd', '#e6e8eb'];

const lineName = (l: QualityLine): string => samplerLabel(l);

export function QualityChart() {
  const curve = useApp((s) => s.quality.curve);
  const status = useApp((s) => s.quality.status);
  const error = useApp((s) => s.quality.error);
  const c = useApp((s) => s.config);
  if (status === 'error') return <p className="muted small quality-empty">Quality curve unavailable ({error}).</p>;
  if (curve === null || curve.lines.length === 0) {
    return status === 'ready' ? <p className="muted small quality-empty">No quality curve for these weights (training/eval.py --quality-vs-nfe measures it).</p> : null;
  }
  const all = curve.lines.flatMap((l) => l.points);
  const nfes = all.map((p) => p.evaluations);
  const fds = [...all.map((p) => p.frechetDistance), curve.floor];
  // The x axis spans the budgets the evaluation measures (5 to 100) even while only some are in.
  const [x0, x1] = [Math.log(Math.min(5, ...nfes)), Math.log(Math.max(100, ...nfes))];
  const [y0, y1] = [Math.log(Math.min(...fds) * 0.9), Math.log(Math.max(...fds) * 1.1)];
  const sx = (nfe: number): number => PAD.left + ((Math.log(nfe) - x0) / Math.max(1e-9, x1 - x0)) * (W - PAD.left - PAD.right);
  const sy = (fd: number): number => PAD.top + (1 - (Math.log(fd) - y0) / Math.max(1e-9, y1 - y0)) * (H - PAD.top - PAD.bottom);
  const current = qualityLineOf(curve, c.sampler, c.spacing, c.eta);
  const nfe = modelEvaluations(c.sampler, c.steps);
  const at = current === null ? null : frechetAt(current, nfe);
  const xTicks = [...new Set([5, 10, 20, 50, 100, ...curve.lines.flatMap((l) => l.points.map((p) => p.nfe))])].sort((a, b) => a - b);
  const yTicks = [10, 20, 50, 100, 200, 500, 1000].filter((v) => Math.log(v) >= y0 && Math.log(v) <= y1);
  const where =
    current === null
      ? `${samplerLabel(c)} is not measured.`
      : at === null
        ? `${samplerLabel(c)} at NFE ${nfe}: outside the measured range.`
        : `${samplerLabel(c)} at NFE ${nfe}: Fréchet distance ≈ ${at.toFixed(1)}.`;
  return (
    <figure className="quality-chart" data-testid="quality-chart">
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`Fréchet distance against NFE for each sampler. ${where}`}>
        {yTicks.map((v) => (
          <g key={`y${v}`}>
            <line x1={PAD.left} x2={W - PAD.right} y1={sy(v)} y2={sy(v)} stroke="#36404d" strokeWidth={0.5} />
            <text x={PAD.left - 3} y={sy(v) + 3} textAnchor="end" fontSize={8} fill="#aab3bd">
              {v}
            </text>
          </g>
        ))}
        {xTicks.map((v) => (
          <text key={`x${v}`} x={sx(v)} y={H - PAD.bottom + 10} textAnchor="middle" fontSize={8} fill="#aab3bd">
            {v}
          </text>
        ))}
        <text x={(PAD.left + W - PAD.right) / 2} y={H - 3} textAnchor="middle" fontSize={8} fill="#aab3bd">
          NFE (model evaluations)
        </text>
        <line x1={PAD.left} x2={W - PAD.right} y1={sy(curve.floor)} y2={sy(curve.floor)} stroke="#aab3bd" strokeDasharray="3 3" strokeWidth={0.8} />
        {curve.lines.map((l, i) => {
          const mine = l === current;
          const d = l.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p.evaluations).toFixed(1)},${sy(p.frechetDistance).toFixed(1)}`).join(' ');
          return (
            <g key={l.id} data-line={l.id} data-current={mine ? 'true' : undefined}>
              <path d={d} fill="none" stroke={COLOURS[i % COLOURS.length]} strokeWidth={mine ? 2.6 : 1} opacity={mine || current === null ? 1 : 0.55} />
              {l.points.map((p) => (
                <circle key={p.nfe} cx={sx(p.evaluations)} cy={sy(p.frechetDistance)} r={mine ? 2.4 : 1.5} fill={COLOURS[i % COLOURS.length]} />
              ))}
            </g>
          );
        })}
        {current !== null && at !== null && (
          <circle data-testid="quality-marker" cx={sx(nfe)} cy={sy(at)} r={5} fill="none" stroke="#ffd33d" strokeWidth={1.8} />
        )}
      </svg>
      <ul className="quality-legend small">
        {curve.lines.map((l, i) => (
          <li key={l.id} className={l === current ? 'current' : undefined}>
            <span className="swatch" style={{ background: COLOURS[i % COLOURS.length] }} />
            {lineName(l)}
          </li>
        ))}
      </ul>
      <figcaption className="muted small">
        Fréchet distance (lower is better; dashed: {curve.n.toLocaleString('en')} real images, {curve.floor.toFixed(1)}) against NFE, class-conditional,{' '}
        {curve.n.toLocaleString('en')} samples a point{curve.driftGuidance === 0 ? ', no drift guidance' : `, drift guidance ${curve.driftGuidance}`}. {where}
      </figcaption>
    </figure>
  );
}
