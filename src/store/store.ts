/**
 * One zustand store made of typed slices (DESIGN.md): engine, run config, trajectory, player, view,
 * mask editor and the bundled test samples. Components select single fields; the frames themselves
 * live in a FrameBuffer outside the state (see frame-buffer.ts) and reach canvases through `subscribe`.
 *
 * Two cancel tokens keep old work from leaking into new state (TF Playground's `Player`):
 *   - every run has a runId (context.ts newRunId, the one allocator) and goes through a run channel
 *     (run-channel.ts: one for run A, one for compare's run B); frames of any other run id are dropped by
 *     the channel's FrameBuffer, and a result that is no longer current is ignored;
 *   - the playback loop holds a token; play, pause, seek, a new run, a new seed or mode bump it and the
 *     old loop stops at its next tick.
 *
 * This file composes the store from its parts, each a factory that takes the one shared StoreContext
 * (context.ts: get/set, dependencies, the engine handle, the run id allocator, the history's frames) and
 * returns its actions and the helpers other parts call; any other mutable state is private to the part
 * that owns it. In dependency order:
 *   - state.ts            slice types, Actions, the types the parts share, constants, sanitizeConfig,
 *                         missingInput (a leaf: it imports no file of src/store);
 *   - run-channel.ts      one run's buffer, frames, flush, cancel and end (run A's and B's);
 *   - player.ts           the playback loop and its token;
 *   - view-actions.ts     head, sample, mask tint, explanations, notices;
 *   - inputs.ts           the bundled samples and the model-space inputs taken from them and the editor;
 *   - trajectory.ts       run A's channel and cancel;
 *   - engine-actions.ts   engine start, backend switch, memory poll, recovery from a lost GPU;
 *   - compare-actions.ts  compare's run B (its own channel);
 *   - run-actions.ts      the run config, building a run's request, launching runs (generate);
 *   - history-actions.ts  branching and reopening runs of the history;
 *   - editor-actions.ts   image, mask and sketch editors, undo, the representation map;
 *   - model-actions.ts    switching the model (bundled, hosted, from the disk; model-source.ts).
 */
import { createStore } from 'zustand/vanilla';
import { DEFAULT_COMPARE_KNOBS } from './compare.ts';
import { createCompareActions } from './compare-actions.ts';
import { createStoreContext } from './context.ts';
import { createEditorActions } from './editor-actions.ts';
import { createEngineActions } from './engine-actions.ts';
import { createHistoryActions } from './history-actions.ts';
import { createInputs } from './inputs.ts';
import { createModelActions } from './model-actions.ts';
import { modelName } from './model-source.ts';
import { presetMask } from './mask.ts';
import { createPlayer } from './player.ts';
import { followModeDefaults, modeDefaults, type SamplingDefaults } from './defaults.ts';
import { createRunActions } from './run-actions.ts';
import { DEFAULT_CONFIG, DEFAULT_GEOMETRY, sanitizeConfig, type Actions, type AppState, type AppStore, type RunConfig, type StoreDeps } from './state.ts';
import { createTrajectory } from './trajectory.ts';
import { createViewActions } from './view-actions.ts';

export * from './state.ts';

/**
 * DEFAULT_CONFIG with the measured settings of `table` (DEFAULT_CONFIG's own when it is the shipped one),
 * then deps.initialConfig; an initial mode takes its own drift guidance unless the initial config sets one.
 */
function initialConfig(deps: StoreDeps, table: SamplingDefaults): RunConfig {
  const base: RunConfig = { ...DEFAULT_CONFIG, ...modeDefaults(DEFAULT_CONFIG.mode, table) };
  return sanitizeConfig({ ...base, ...followModeDefaults(base, deps.initialConfig ?? {}, base.mode, table) });
}

export function createAppStore(deps: StoreDeps = {}): AppStore {
  const store = createStore<AppState>()((set, get) => {
    const ctx = createStoreContext(deps, get, set);
    const { side } = ctx;

    const player = createPlayer(ctx);
    const view = createViewActions(ctx);
    const inputs = createInputs(ctx);
    const trajectory = createTrajectory(ctx);
    const engine = createEngineActions(ctx, { trajectory, view });
    const compare = createCompareActions(ctx, { engine });
    const run = createRunActions(ctx, { trajectory, compare, player, engine, inputs, view });
    const history = createHistoryActions(ctx, { trajectory, compare, player, run });
    const editor = createEditorActions(ctx, { trajectory, inputs, run });
    const model = createModelActions(ctx, { trajectory, compare, engine, inputs, view });

    const actions: Actions = {
      ...engine.actions,
      ...run.actions,
      ...trajectory.actions,
      ...player.actions,
      ...view.actions,
      ...compare.actions,
      ...history.actions,
      ...editor.actions,
      ...inputs.actions,
      ...model.actions,
      dispose() {
        player.stopLoop();
        trajectory.cancelRun();
        engine.stopMemoryPoll();
      },
    };

    return {
      engine: {
        status: 'idle',
        preference: 'auto',
        phase: null,
        progress: {},
        report: null,
        config: null,
        trained: null,
        weightsBytes: null,
        loadMs: null,
        warmupMs: null,
        memory: null,
        msPerStep: null,
        switching: false,
        switchProgress: null,
        error: null,
      },
      config: initialConfig(deps, ctx.samplingDefaults),
      trajectory: {
        runId: null,
        status: 'empty',
        frameCount: 0,
        expectedFrames: 0,
        run: null,
        stale: false,
        error: null,
        elapsedMs: null,
      },
      player: { frameIndex: 0, playing: false, fps: 20, follow: true },
      view: { head: 'z', sample: 0, showMask: true, explain: true, present: null },
      editor: {
        source: 'test',
        testIndex: 0,
        drawn: new Float32Array(side * side).fill(-1),
        mask: presetMask('right', side),
        undoDepth: 0,
        tool: 'brush',
        layer: 'mask',
        brushSize: 2,
        classFilter: null,
        sketchSource: 'test',
        sketchDrawn: new Float32Array(side * side),
        sketchBrushSize: 0.75,
        reprPoint: 0,
      },
      samples: { status: 'loading', count: 0, size: DEFAULT_GEOMETRY.dataSize, classNames: [], labels: [], images: null, points: null, error: null },
      model: { source: ctx.model.kind, name: modelName(ctx.model, null), param: ctx.model.kind === 'url' ? ctx.model.param : null },
      compare: {
        enabled: false,
        knobs: DEFAULT_COMPARE_KNOBS,
        runId: null,
        status: 'empty',
        frameCount: 0,
        run: null,
        baseRunId: null,
        error: null,
      },
      history: { nodes: [] },
      notices: [],
      noticeLog: [],
      actions,
    };
  });
  return store;
}
