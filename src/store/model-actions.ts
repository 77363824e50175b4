/**
 * Switching the model (the bundled one, a hosted folder, a folder from the disk): the run, compare run
 * and history of the old model are dropped (their frames belong to another network and class list), the
 * engine loads the new one through the same validating loader, the samples come from the new model, and
 * the run settings are brought into its range (class id, a mode it cannot run). This part writes ctx.model.
 */
import type { StoreContext } from './context.ts';
import type { CompareParts } from './compare-actions.ts';
import type { EngineParts } from './engine-actions.ts';
import type { Inputs } from './inputs.ts';
import { modeUnavailable, modelName } from './model-source.ts';
import type { Actions, ModelSource } from './state.ts';
import type { TrajectoryParts } from './trajectory.ts';
import type { ViewParts } from './view-actions.ts';

export interface ModelParts {
  readonly actions: Pick<Actions, 'loadModel'>;
}

export function createModelActions(
  ctx: StoreContext,
  parts: {
    readonly trajectory: Pick<TrajectoryParts, 'cancelRun' | 'channel'>;
    readonly compare: Pick<CompareParts, 'dropCompare'>;
    readonly engine: Pick<EngineParts, 'reload'>;
    readonly inputs: Pick<Inputs, 'actions'>;
    readonly view: ViewParts;
  },
): ModelParts {
  const { get, set } = ctx;

  const loadModel = async (source: ModelSource) => {
    parts.trajectory.cancelRun();
    parts.compare.dropCompare();
    parts.trajectory.channel.buffer.reset(null);
    ctx.archive.clear();
    ctx.model = source;
    set((s) => ({
      trajectory: { ...s.trajectory, runId: null, status: 'empty', frameCount: 0, expectedFrames: 0, run: null, stale: false, error: null, elapsedMs: null },
      compare: { ...s.compare, runId: null, status: 'empty', frameCount: 0, run: null, baseRunId: null, error: null },
      history: { nodes: [] },
      player: { ...s.player, frameIndex: 0, playing: false },
      editor: { ...s.editor, testIndex: 0, reprPoint: 0, classFilter: null, source: s.editor.source === 'drawn' ? 'drawn' : 'test' },
      samples: { ...s.samples, status: 'loading', count: 0, classNames: [], labels: [], images: null, points: null, error: null },
      model: { source: source.kind, name: modelName(source, null), param: source.kind === 'url' ? source.param : null },
      // The old model's config must not describe the new one (class names, geometry) while it loads or if it fails.
      engine: { ...s.engine, config: null, trained: null },
      // The quality chart is the new model's own (its report.json), or says it has none.
      quality: { status: 'idle', curve: null, error: null },
    }));
    const quality = parts.inputs.actions.loadQuality();
    await parts.engine.reload();
    if (ctx.model !== source) return; // another model was chosen meanwhile
    const config = get().engine.config;
    await Promise.all([parts.inputs.actions.loadSamples(), quality]);
    if (ctx.model !== source || config === null) return;
    const { actions, config: run, samples } = get();
    const classes = config.classNames.length;
    if (run.classId >= classes) actions.setConfig({ classId: 0 });
    const why = modeUnavailable(run.mode, config, samples.points !== null);
    if (why !== null) {
      actions.setConfig({ mode: 'joint' });
      parts.view.actions.notify(`${run.mode} is not available: ${why}. Switched to joint.`, 'info');
    }
  };

  return { actions: { loadModel } };
}
