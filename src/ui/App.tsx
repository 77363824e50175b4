/**
 * The playground: controls | the stage (Generate, heads, canvas, player) | side panels; one column on a
 * phone, with the stage first. On a wide screen the stage is sticky: it stays in view while either column
 * scrolls. Presentation mode (view.present) shows the stage large with one side panel (Presentation.tsx).
 *
 * Where a panel goes: add it to CONTROL_PANELS (left: what the next run uses, the run tree, sharing,
 * status) or SIDE_PANELS (right: views of the run on screen). Panels there are full width of their
 * column; give a secondary panel a fold (`fold: 'title'`). The stage takes nothing else: what sits under
 * a sticky stage would scroll beneath it.
 *
 * The store is created once in main.tsx and handed in; App starts the engine and loads the samples.
 */
import { useEffect, type ComponentType } from 'react';
import type { AppStore } from '../store/index.ts';
import { CompareView } from './CompareView.tsx';
import { ExportMenu } from './ExportMenu.tsx';
import { Foldable } from './Foldable.tsx';
import { HeadSwitcher } from './HeadSwitcher.tsx';
import { HistoryPanel } from './HistoryPanel.tsx';
import { LabelPanel } from './LabelPanel.tsx';
import { LatentEditor } from './LatentEditor.tsx';
import { MetricsPanel } from './MetricsPanel.tsx';
import { ModelPicker } from './ModelPicker.tsx';
import { ImageSource, useUndoShortcut } from './MaskEditor.tsx';
import { NoticeArea } from './Notices.tsx';
import { Player } from './Player.tsx';
import { Presentation, PresentToggle } from './Presentation.tsx';
import { ReprPanel } from './ReprMap.tsx';
import { GenerateBar, ModePicker, RunControls } from './RunControls.tsx';
import { useShortcuts } from './shortcuts.ts';
import { SketchPanel } from './SketchPanel.tsx';
import { StatusPanel } from './StatusPanel.tsx';
import { StoreProvider, useApp, useAppStore } from './store-context.tsx';
import { ExplainToggle } from './teach/Explain.tsx';
import { ForwardView } from './teach/ForwardView.tsx';
import { SchedulePlot } from './teach/SchedulePlot.tsx';
import { TrajectoryMap } from './TrajectoryMap.tsx';
import { Viewer } from './Viewer.tsx';

/** A panel of a column: its component, and (for a secondary panel) the title its fold button names. */
interface PanelSlot {
  readonly id: string;
  readonly Component: ComponentType;
  readonly fold?: string;
}

/** Left column, top to bottom: the mode and its inputs, the run settings, the run tree, sharing, status. */
const CONTROL_PANELS: readonly PanelSlot[] = [
  { id: 'modes', Component: ModePicker },
  { id: 'image', Component: ImageSource },
  { id: 'sketch', Component: SketchPanel },
  { id: 'repr', Component: ReprPanel },
  { id: 'settings', Component: RunControls },
  { id: 'runs', Component: HistoryPanel, fold: 'Runs and branches' },
  { id: 'share', Component: ExportMenu, fold: 'Share and export' },
  { id: 'status', Component: StatusPanel, fold: 'Status' },
];

/** Right column, top to bottom: views of the run on screen. */
const SIDE_PANELS: readonly PanelSlot[] = [
  { id: 'label', Component: LabelPanel, fold: 'Label head' },
  { id: 'metrics', Component: MetricsPanel, fold: 'Per-step metrics' },
  { id: 'compare', Component: CompareView },
  { id: 'edit', Component: LatentEditor },
  { id: 'map', Component: TrajectoryMap, fold: 'Trajectory map' },
  { id: 'schedule', Component: SchedulePlot, fold: 'Noise schedule' },
  { id: 'forward', Component: ForwardView },
];

function Slots({ slots }: { slots: readonly PanelSlot[] }) {
  return slots.map(({ id, Component, fold }) =>
    fold ? (
      <Foldable key={id} id={id} title={fold}>
        <Component />
      </Foldable>
    ) : (
      <Component key={id} />
    ),
  );
}

function UntrainedBadge() {
  const trained = useApp((s) => s.engine.trained);
  if (trained !== false) return null;
  return (
    <p className="badge-untrained" role="note" data-testid="untrained-badge">
      <strong>Untrained weights</strong> — this model has not been trained yet, so its images and labels are noise. The controls all
      work; trained weights replace these soon.
    </p>
  );
}

/** The header's one line: what the model makes (the bundled model's data set by name, another model's by its name beside it). */
function Tagline() {
  const bundled = useApp((s) => s.model.source === 'bundled');
  return (
    <p className="tagline" data-testid="tagline">
      One diffusion model makes {bundled ? 'a Fashion-MNIST image' : 'an image'} <em>and</em> its label together. Pick a mode, press{' '}
      <strong>Generate</strong>, scrub the reverse process.
    </p>
  );
}

function Header() {
  return (
    <header className="app-header" data-testid="app-header">
      <div>
        <h1>MT-Diffusion playground</h1>
        <Tagline />
      </div>
      <ModelPicker />
      <div className="header-switches">
        <PresentToggle />
        <ExplainToggle />
      </div>
      <UntrainedBadge />
    </header>
  );
}

/** Generate, the head switcher, the canvas and the player: what a run is watched with, in one viewport. */
export function Stage() {
  return (
    <div className="stage" data-testid="stage">
      <GenerateBar />
      <HeadSwitcher />
      <Viewer />
      <Player />
    </div>
  );
}

function Workbench() {
  return (
    <main className="layout">
      <div className="col col-controls">
        <Slots slots={CONTROL_PANELS} />
      </div>
      <div className="col col-stage">
        <Stage />
      </div>
      <div className="col col-side">
        <Slots slots={SIDE_PANELS} />
      </div>
    </main>
  );
}

function Playground() {
  const store = useAppStore();
  const present = useApp((s) => s.view.present !== null);
  useShortcuts(store);
  useUndoShortcut();
  useEffect(() => {
    const { actions } = store.getState();
    void actions.startEngine();
    if (store.getState().samples.images === null) void actions.loadSamples();
    void actions.loadQuality();
  }, [store]);
  return (
    <div className={present ? 'app presenting' : 'app'}>
      {present ? (
        <Presentation />
      ) : (
        <>
          <Header />
          <Workbench />
        </>
      )}
      <NoticeArea />
    </div>
  );
}

export function App({ store }: { store: AppStore }) {
  return (
    <StoreProvider store={store}>
      <Playground />
    </StoreProvider>
  );
}
