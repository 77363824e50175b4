/**
 * Presentation mode: for a lecture, the picture and not the controls. The canvas as large as the screen
 * allows, the head switcher beside it, the player under it, and one side panel (label chart, noise
 * schedule, compare, the forward process, the per-step metrics or the trajectory map) with a one-line
 * caption; Generate, the panel buttons and the keys in one bar. The switch and the panel are in the URL
 * (`present=label`), so a prepared link opens a lecture view. Keys (shortcuts.ts): the player's, 1–7 heads,
 * each panel's first letter (L/S/C/F/M/T), P or Esc to leave.
 */
import type { ComponentType } from 'react';
import { PRESENT_PANELS, type PresentPanel } from '../store/index.ts';
import { CompareView } from './CompareView.tsx';
import { HeadSwitcher } from './HeadSwitcher.tsx';
import { LabelPanel } from './LabelPanel.tsx';
import { MetricsPanel } from './MetricsPanel.tsx';
import { KeyHint, Player } from './Player.tsx';
import { GenerateBar } from './RunControls.tsx';
import { useActions, useApp } from './store-context.tsx';
import { ForwardView } from './teach/ForwardView.tsx';
import { SchedulePlot } from './teach/SchedulePlot.tsx';
import { TrajectoryMap } from './TrajectoryMap.tsx';
import { Viewer } from './Viewer.tsx';

/** Each panel: its button, its one-line caption and its component. */
const PANELS: Readonly<Record<PresentPanel, { name: string; caption: string; Component: ComponentType }>> = {
  label: {
    name: 'Label',
    caption: 'What the label head reads from z_t: the 10 class probabilities now, and over the whole run.',
    Component: LabelPanel,
  },
  schedule: {
    name: 'Schedule',
    caption: 'How much image is left (ᾱ_t) and how hard the conditions pull (κ_t) at each t; the cursor is this frame.',
    Component: SchedulePlot,
  },
  compare: {
    name: 'Compare',
    caption: 'Run B starts from the same noise with other settings; both follow the one scrubber.',
    Component: CompareView,
  },
  forward: {
    name: 'Forward',
    caption: 'Training noises a real image in one jump: z_t = √ᾱ_t x + κ_t E + √(1−ᾱ_t) ε.',
    Component: () => <ForwardView defaultOpen />,
  },
  metrics: {
    name: 'Metrics',
    caption: 'What each step did, read off the frames: solid A, dashed B, dotted what the schedule expects; the line is this frame.',
    Component: () => <MetricsPanel tall />,
  },
  trajectory: {
    name: 'Trajectory',
    caption: 'Where x̂₀ (or z_t) travels over the steps, on the two main directions of the test images (dots, by class).',
    Component: TrajectoryMap,
  },
};

/** The header's switch into presentation mode (and the P key). */
export function PresentToggle() {
  const { setPresent } = useActions();
  return (
    <button type="button" className="present-toggle" onClick={() => setPresent('label')} title="Presentation mode (P)" data-testid="present-toggle">
      Present
    </button>
  );
}

function EngineLine() {
  const status = useApp((s) => s.engine.status);
  const chosen = useApp((s) => s.engine.report?.chosen);
  const text = status === 'ready' ? `on ${chosen ?? 'a backend'}` : status === 'error' ? 'model not running' : 'loading the model…';
  return (
    <span className="present-engine muted" data-testid="present-engine" data-status={status}>
      {text}
    </span>
  );
}

export function Presentation() {
  const panel = useApp((s) => s.view.present) ?? 'label';
  const { setPresent } = useActions();
  const { caption, Component } = PANELS[panel];
  return (
    <div className="present" data-testid="presentation">
      <header className="present-bar">
        <h1 className="present-title">MT-Diffusion</h1>
        <GenerateBar />
        <EngineLine />
        <div className="present-panels" role="group" aria-label="Side panel">
          {PRESENT_PANELS.map((p) => (
            <button
              key={p}
              type="button"
              aria-pressed={panel === p}
              onClick={() => setPresent(p)}
              title={`${PANELS[p].name} (${p[0]!.toUpperCase()})`}
              data-testid={`present-${p}`}
            >
              {PANELS[p].name}
            </button>
          ))}
        </div>
        <button type="button" className="present-leave" onClick={() => setPresent(null)} title="Leave presentation mode (Esc)" data-testid="present-leave">
          Leave
        </button>
      </header>
      <main className="present-main">
        <div className="present-stage">
          <HeadSwitcher />
          <div className="present-canvas">
            <Viewer />
            <Player />
          </div>
        </div>
        <aside className="present-side" aria-label="Side panel" data-testid="present-side" data-panel={panel}>
          <p className="present-caption" data-testid="present-caption">
            {caption}
          </p>
          <Component />
        </aside>
      </main>
      <footer className="present-keys">
        <KeyHint present />
      </footer>
    </div>
  );
}
