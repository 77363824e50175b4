/**
 * The quality-versus-steps chart beside the sampler choice: the loaded model's own curve (its report.json
 * qualityVsNfe, store/quality.ts; loaded per model by store/inputs.ts), each measured sampler a line of Frechet
 * distance against NFE (both axes logarithmic; Karras timesteps dashed), the floor of held-out real images
 * dashed grey. The current choice is marked twice: its NFE as a vertical line (always), and a ring on its own
 * line where that is measured (interpolated in log NFE; none outside the measured range). A point far above
 * the others is clipped to the top edge with its value (qualityScale). A model without a curve gets, in the
 * chart's place, the command that measures one. Plain SVG; the numbers are the report's.
 */
import { modelEvaluations } from '../core/samplers.ts';
import { frechetAt, QUALITY_COMMAND, qualityLineOf, qualityScale, REPORT_JSON, type QualityLine } from '../store/index.ts';
import { samplerLabel } from './labels.ts';
import { useApp } from './store-context.tsx';

const W = 280;
const H = 180;
const PAD = { left: 30, right: 10, top: 20, bottom: 26 };
/** The NFE axis: the budgets training/eval.py measures (5, 10, 20, 50; DDPM also 100). */
const X_TICKS = [5, 10, 20, 50, 100];
const Y_TICKS = [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];
/** One colour per line, in the report's order (distinct on the dark panel). */
const COLOURS = ['#ff7b72', '#58a6ff', '#3fb950', '#d2a8ff', '#f0b429', '#ffa657', '#56d4dd', '#e6e8eb'];
/** Karras timesteps dashed, trailing solid: the legend and the lines agree. */
const dashOf = (l: QualityLine): string | undefined => (l.spacing === 'karras' ? '4 2' : undefined);

function NoCurve() {
  const status = useApp((s) => s.quality.status);
  const error = useApp((s) => s.quality.error);
  const name = useApp((s) => s.model.name);
  if (status === 'error') {
    return (
      <p className="muted small quality-empty" data-testid="quality-error">
        The quality curve of “{name}” is unavailable: {error}.
      </p>
    );
  }
  if (status !== 'ready') return null;
  return (
    <div className="quality-empty small" data-testid="quality-none">
      <p>
        <strong>No quality curve was measured for “{name}”</strong> (there is no {REPORT_JSON} with a qualityVsNfe beside its model.json). To measure one (Fréchet distance and class
        accuracy of each sampler at NFE 5, 10, 20 and 50), run:
      </p>
      <code data-testid="quality-command">{QUALITY_COMMAND}</code>
      <p className="muted">
        RUN is the folder <code>npm run train -- --out RUN</code> wrote. The points go into RUN/model/{REPORT_JSON}; load the model again to see them.
        The samples are scored against the Fashion-MNIST test split with RUN’s classifier.
      </p>
    </div>
  );
}

export function QualityChart() {
  const curve = useApp((s) => s.quality.curve);
  const c = useApp((s) => s.config);
  const name = useApp((s) => s.model.name);
  if (curve === null || curve.lines.length === 0) return <NoCurve />;
  const nfes = curve.lines.flatMap((l) => l.points.map((p) => p.evaluations));
  const scale = qualityScale(curve);
  // The x axis spans the budgets the evaluation measures (5 to 100) even while only some are in.
  const [x0, x1] = [Math.log(Math.min(5, ...nfes)), Math.log(Math.max(100, ...nfes))];
  const [y0, y1] = [Math.log(scale.lo), Math.log(scale.hi)];
  const sx = (nfe: number): number => PAD.left + ((Math.log(nfe) - x0) / Math.max(1e-9, x1 - x0)) * (W - PAD.left - PAD.right);
  const sy = (fd: number): number => PAD.top + (1 - (Math.min(Math.log(fd), y1) - y0) / Math.max(1e-9, y1 - y0)) * (H - PAD.top - PAD.bottom);
  const current = qualityLineOf(curve, c.sampler, c.spacing, c.eta);
  const nfe = modelEvaluations(c.sampler, c.steps);
  const at = current === null ? null : frechetAt(current, nfe);
  const nfeX = sx(Math.min(Math.max(nfe, Math.exp(x0)), Math.exp(x1)));
  const yTicks = Y_TICKS.filter((v) => Math.log(v) >= y0 && Math.log(v) <= y1);
  const clipped = curve.lines.flatMap((l, i) => l.points.filter(scale.clipped).map((p) => ({ l, i, p })));
  const where =
    current === null
      ? `${samplerLabel(c)} is not measured.`
      : at === null
        ? `${samplerLabel(c)} at NFE ${nfe}: outside the measured range.`
        : `${samplerLabel(c)} at NFE ${nfe}: Fréchet distance ≈ ${at.toFixed(1)}.`;
  return (
    <figure className="quality-chart" data-testid="quality-chart" data-model={name}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Fréchet distance against NFE for each sampler of ${name}. ${where}`}
        data-lo={scale.lo}
        data-hi={scale.hi}
      >
        {yTicks.map((v) => (
          <g key={`y${v}`}>
            <line x1={PAD.left} x2={W - PAD.right} y1={sy(v)} y2={sy(v)} stroke="#36404d" strokeWidth={0.5} />
            <text x={PAD.left - 3} y={sy(v) + 3} textAnchor="end" fontSize={8} fill="#aab3bd">
              {v}
            </text>
          </g>
        ))}
        {X_TICKS.map((v) => (
          <text key={`x${v}`} x={sx(v)} y={H - PAD.bottom + 10} textAnchor="middle" fontSize={8} fill="#aab3bd">
            {v}
          </text>
        ))}
        <text x={(PAD.left + W - PAD.right) / 2} y={H - 3} textAnchor="middle" fontSize={8} fill="#aab3bd">
          NFE (model evaluations, log scale)
        </text>
        <text x={3} y={9} fontSize={8} fill="#aab3bd">
          Fréchet distance
        </text>
        <line x1={PAD.left} x2={W - PAD.right} y1={sy(curve.floor)} y2={sy(curve.floor)} stroke="#aab3bd" strokeDasharray="1 2" strokeWidth={0.8} />
        <g data-testid="quality-nfe-marker" data-nfe={nfe}>
          <line x1={nfeX} x2={nfeX} y1={PAD.top} y2={H - PAD.bottom} stroke="#ffd33d" strokeWidth={0.8} strokeDasharray="2 2" />
          <text x={nfeX > W - 40 ? nfeX - 3 : nfeX + 3} y={H - PAD.bottom - 3} textAnchor={nfeX > W - 40 ? 'end' : 'start'} fontSize={8} fill="#ffd33d">
            NFE {nfe}
          </text>
        </g>
        {curve.lines.map((l, i) => {
          const mine = l === current;
          const d = l.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p.evaluations).toFixed(1)},${sy(p.frechetDistance).toFixed(1)}`).join(' ');
          return (
            <g key={l.id} data-testid="quality-line" data-line={l.id} data-current={mine ? 'true' : undefined}>
              <path d={d} fill="none" stroke={COLOURS[i % COLOURS.length]} strokeDasharray={dashOf(l)} strokeWidth={mine ? 2.6 : 1.2} opacity={mine || current === null ? 1 : 0.6} />
              {l.points.map((p) =>
                scale.clipped(p) ? null : (
                  <circle key={p.nfe} cx={sx(p.evaluations)} cy={sy(p.frechetDistance)} r={mine ? 2.6 : 1.8} fill={COLOURS[i % COLOURS.length]} />
                ),
              )}
            </g>
          );
        })}
        {clipped.map(({ l, i, p }, k) => {
          const x = sx(p.evaluations);
          return (
            <g key={`clip-${l.id}-${p.nfe}`} data-testid="quality-clipped" data-line={l.id} data-value={p.frechetDistance}>
              <path d={`M${x - 3.5},${PAD.top + 6} L${x + 3.5},${PAD.top + 6} L${x},${PAD.top} Z`} fill={COLOURS[i % COLOURS.length]} />
              <text x={x + 5} y={PAD.top + 7 + k * 9} fontSize={8} fill={COLOURS[i % COLOURS.length]}>
                {p.frechetDistance.toFixed(0)} ↑
              </text>
            </g>
          );
        })}
        {current !== null && at !== null && (
          <circle data-testid="quality-marker" cx={sx(nfe)} cy={sy(at)} r={5} fill="none" stroke="#ffd33d" strokeWidth={1.8} />
        )}
      </svg>
      <ul className="quality-legend small">
        {curve.lines.map((l, i) => (
          <li key={l.id} className={l === current ? 'current' : undefined} data-legend={l.id} title={samplerLabel(l)}>
            <svg className="swatch" viewBox="0 0 16 6" aria-hidden="true">
              <line x1={0} x2={16} y1={3} y2={3} stroke={COLOURS[i % COLOURS.length]} strokeWidth={2.4} strokeDasharray={dashOf(l)} />
            </svg>
            {samplerLabel(l)}
          </li>
        ))}
      </ul>
      <figcaption className="muted small">
        Fréchet distance (lower is better; dotted: {curve.n.toLocaleString('en')} real images, {curve.floor.toFixed(1)}) against NFE, class-conditional,{' '}
        {curve.n.toLocaleString('en')} samples a point{curve.driftGuidance === 0 ? ', no drift guidance' : `, drift guidance ${curve.driftGuidance}`}; dashed lines: Karras
        timesteps{clipped.length > 0 ? `; ↑ a point above the scale, with its value` : ''}. Yellow: your choice. {where}
      </figcaption>
    </figure>
  );
}
