/**
 * The frame of the small hand-drawn SVG charts (label head, noise schedule): the plot area's background
 * and horizontal gridlines at 0, 0.5 and 1 of the left axis, with their values on the left and the right
 * axis's values (`rightLabel`) on the right.
 */
export interface ChartBox {
  readonly width: number;
  readonly height: number;
  readonly margin: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
}

const GRID = [0, 0.5, 1] as const;

export function ChartGrid({ box, rightLabel, rightClass }: { box: ChartBox; rightLabel: (v: number) => string; rightClass: string }) {
  const { width: W, height: H, margin: M } = box;
  const y = (v: number) => M.top + (1 - v) * (H - M.top - M.bottom);
  return (
    <>
      <rect x={M.left} y={M.top} width={W - M.left - M.right} height={H - M.top - M.bottom} className="chart-bg" />
      {GRID.map((v) => (
        <g key={v}>
          <line x1={M.left} x2={W - M.right} y1={y(v)} y2={y(v)} className="gridline" />
          <text x={M.left - 4} y={y(v) + 3} className="tick" textAnchor="end">
            {v}
          </text>
          <text x={W - M.right + 4} y={y(v) + 3} className={`tick ${rightClass}`} textAnchor="start">
            {rightLabel(v)}
          </text>
        </g>
      ))}
    </>
  );
}
