/**
 * The playground: controls | canvas + player | heads + label + status (one column on a phone).
 * The store is created once in main.tsx and handed in; App starts the engine and loads the samples.
 */
import { useEffect } from 'react';
import type { AppStore } from '../store/index.ts';
import { CompareView } from './CompareView.tsx';
import { ExportMenu } from './ExportMenu.tsx';
import { HeadSwitcher } from './HeadSwitcher.tsx';
import { HistoryPanel } from './HistoryPanel.tsx';
import { LabelPanel } from './LabelPanel.tsx';
import { ImageSource, useUndoShortcut } from './MaskEditor.tsx';
import { ReprPanel } from './ReprMap.tsx';
import { SketchPanel } from './SketchPanel.tsx';
import { Player, usePlayerShortcuts } from './Player.tsx';
import { GenerateBar, ModePicker, RunControls } from './RunControls.tsx';
import { StatusPanel } from './StatusPanel.tsx';
import { StoreProvider, useApp, useAppStore } from './store-context.tsx';
import { ExplainToggle } from './teach/Explain.tsx';
import { ForwardView } from './teach/ForwardView.tsx';
import { SchedulePlot } from './teach/SchedulePlot.tsx';
import { Viewer } from './Viewer.tsx';

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

function Header() {
  return (
    <header className="app-header">
      <div>
        <h1>MT-Diffusion playground</h1>
        <p className="tagline">
          One diffusion model makes a Fashion-MNIST image <em>and</em> its label together. Pick a mode, press <strong>Generate</strong>,
          then scrub through the reverse process and switch which decoder head is drawn.
        </p>
      </div>
      <ExplainToggle />
      <UntrainedBadge />
    </header>
  );
}

function Playground() {
  const store = useAppStore();
  usePlayerShortcuts();
  useUndoShortcut();
  useEffect(() => {
    const { actions } = store.getState();
    void actions.startEngine();
    if (store.getState().samples.images === null) void actions.loadSamples();
    void actions.loadQuality();
  }, [store]);
  return (
    <div className="app">
      <Header />
      <main className="layout">
        <div className="col col-controls">
          <ModePicker />
          <ImageSource />
          <SketchPanel />
          <ReprPanel />
          <RunControls />
        </div>
        <div className="col col-canvas">
          <GenerateBar />
          <Viewer />
          <Player />
          <CompareView />
          <ForwardView />
        </div>
        <div className="col col-side">
          <HeadSwitcher />
          <LabelPanel />
          <SchedulePlot />
          <HistoryPanel />
          <ExportMenu />
          <StatusPanel />
        </div>
      </main>
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
