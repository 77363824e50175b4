/**
 * The run config and starting runs: setConfig (a change cancels what runs), buildRequest (the engine
 * request and run summary from the config and the editor's inputs) and launch, which starts a run in a
 * buffer of its own, adds it to the history (dropping a run it supersedes before that one finished), and
 * carries it over a GPU loss or a backend switch. Generate and branch
 * (history-actions.ts) both start runs through launch.
 */
import { stepCountProblem } from '../core/index.ts';
import type { LatentEdit } from '../core/latent-edit.ts';
import type { Frame, Mode, RunRequest } from '../engine/protocol.ts';
import { NO_COMPARE_RUN, type CompareParts } from './compare-actions.ts';
import type { StoreContext } from './context.ts';
import { defaultDriftGuidance, followModeDefaults } from './defaults.ts';
import type { EngineParts } from './engine-actions.ts';
import { FrameBuffer, rollingMedian } from './frame-buffer.ts';
import type { Inputs } from './inputs.ts';
import type { Player } from './player.ts';
import { runRequest, startAt } from './request.ts';
import { DEFAULT_CONFIG, missingInput, modeUsesImage, SAMPLERS, sanitizeConfig, type Actions, type RunConfig, type RunNode, type RunSummary } from './state.ts';
import { MS_WINDOW, type TrajectoryParts } from './trajectory.ts';

export interface RunParts {
  /**
   * The engine request and run summary of a config with the editor's inputs (image, mask, sketch, map
   * point), or null, with the reason shown, when the mode's input is missing (missingInput).
   */
  readonly buildRequest: (config: RunConfig, runId: string) => { request: RunRequest; summary: RunSummary } | null;
  /**
   * Starts a run (from noise, or a branch: `parent` and the parent's frames 0..k-1 in `prefill`) in a
   * buffer of its own, added to the history; the run on screen before stays in the history.
   */
  readonly launch: (
    request: RunRequest,
    summary: RunSummary,
    parent: { runId: string; fromStep: number; edit?: LatentEdit } | null,
    prefill: readonly Frame[],
  ) => Promise<void>;
  readonly actions: Pick<Actions, 'setConfig' | 'rollSeed' | 'generate'>;
}

export function createRunActions(
  ctx: StoreContext,
  parts: {
    readonly trajectory: Pick<TrajectoryParts, 'channel' | 'cancelRun' | 'updateNode'>;
    readonly compare: CompareParts;
    readonly player: Pick<Player, 'stopLoop' | 'startLoop'>;
    readonly engine: Pick<EngineParts, 'pollMemory' | 'runRecovering' | 'warmConfigBatch'>;
    readonly inputs: Pick<Inputs, 'sourceImage' | 'sketchImage' | 'reprTarget'>;
    readonly view: { readonly actions: Pick<Actions, 'notify'> };
  },
): RunParts {
  const { get, set, patch, now, dice } = ctx;
  const { channel, cancelRun, updateNode } = parts.trajectory;
  const { cancelCompare, dropCompare } = parts.compare;
  const { stopLoop, startLoop } = parts.player;
  const { pollMemory, runRecovering, warmConfigBatch } = parts.engine;
  const { sourceImage, sketchImage, reprTarget } = parts.inputs;

  const buildRequest: RunParts['buildRequest'] = (config, runId) => {
    const fail = (message: string) => {
      patch('trajectory', { error: { kind: 'input', message } });
      return null;
    };
    const missing = missingInput({ ...get(), config });
    if (missing !== null) return fail(missing);
    const image = modeUsesImage(config.mode) ? sourceImage() : null;
    if (modeUsesImage(config.mode) && !image) return fail('The test images are still loading; try again in a moment.');
    const sketch = config.mode === 'sketch' ? sketchImage() : null;
    if (config.mode === 'sketch' && !sketch) return fail('The test images are still loading; try again in a moment.');
    const repr = config.mode === 'representation' ? reprTarget() : null;
    if (config.mode === 'representation' && !repr) return fail('The representation map is still loading.');
    const mask = config.mode === 'inpaint' ? get().editor.mask.slice() : null;
    const { editor, samples } = get();
    const trueLabel = image && editor.source === 'test' ? (samples.labels[editor.testIndex] ?? null) : null;
    const request = runRequest(runId, config, { image, mask, sketch, repr });
    const summary: RunSummary = {
      ...config,
      runId,
      image: image ? image.slice() : null,
      mask,
      trueLabel,
      sketch: sketch ? sketch.slice() : null,
      repr: repr ? repr.slice() : null,
      reprPoint: repr ? editor.reprPoint : null,
      testIndex: image && editor.source === 'test' ? editor.testIndex : null,
      sketchIndex: sketch && editor.sketchSource === 'test' ? editor.testIndex : null,
    };
    return { request, summary };
  };

  const launch: RunParts['launch'] = async (request, summary, parent, prefill) => {
    if (!ctx.engine || get().engine.status !== 'ready' || get().engine.switching) return;
    // A run still computing when another starts is superseded: it leaves the history with its frames (a
    // burst of Generate clicks leaves one run, not one half-run per click). A run stopped or done stays.
    const superseded = get().trajectory.status === 'running' ? get().trajectory.runId : null;
    cancelRun();
    if (superseded !== null) ctx.archive.delete(superseded);
    dropCompare();
    stopLoop();
    const { runId } = request;
    const buffer = new FrameBuffer(); // the run's own, kept in the history
    buffer.reset(runId);
    for (const f of prefill) buffer.push({ ...f, runId }); // the parent's frames, shared arrays
    ctx.archive.set(runId, buffer);
    channel.open(runId, buffer);
    const node: RunNode = {
      runId, parentId: parent?.runId ?? null, fromStep: parent?.fromStep ?? 0, summary, status: 'running', frameCount: prefill.length,
      ...(parent?.edit ? { edit: parent.edit } : {}),
    };
    set((s) => ({
      trajectory: {
        runId,
        status: 'running',
        frameCount: buffer.length,
        expectedFrames: summary.steps + 1,
        run: summary,
        stale: false,
        error: null,
        elapsedMs: null,
      },
      player: { ...s.player, frameIndex: Math.max(0, prefill.length - 1), playing: true },
      engine: { ...s.engine, msPerStep: null },
      view: { ...s.view, sample: Math.min(s.view.sample, summary.batch - 1) },
      compare: { ...s.compare, ...NO_COMPARE_RUN },
      history: { nodes: [...s.history.nodes.filter((n) => n.runId !== superseded), node] },
    }));
    startLoop();
    // A WebGPU device or WebGL context loss mid-run moves the engine to wasm (runRecovering) and the same
    // run (same buffer, same history node) continues from its last frame drawn, once.
    const resume = () => {
      // The frames kept stay; the re-sent frame at that index is dropped by the buffer as a duplicate. A
      // branch that has drawn nothing of its own yet (only the parent's frames) starts again from its
      // branch point: its request as it was. Classify has no z to continue from.
      channel.flush();
      const last = buffer.length > prefill.length ? buffer.at(buffer.length - 1) : undefined;
      const start = last && request.mode !== 'classify' ? { start: startAt(buffer, last.index) } : {};
      return { request: { ...request, ...start }, step: last ? last.index : (request.start?.fromStep ?? 0) };
    };
    try {
      const outcome = await runRecovering(request, channel.onFrame, () => channel.isCurrent(runId), resume);
      if (outcome === 'stale') return; // cancelled or superseded: its result is stale
      // Frames come through a callback port, the result through another: a last frame may land just
      // after the result. Frames of this run stay welcome until another run starts or it is cancelled.
      channel.settle(outcome);
      const elapsedMs = now() - channel.startedAt;
      if (outcome === 'done' || outcome === 'cancelled') {
        patch('trajectory', { status: outcome, frameCount: buffer.length, elapsedMs });
        patch('engine', { msPerStep: rollingMedian(channel.stepMs, MS_WINDOW) });
        updateNode(runId, { status: outcome, frameCount: buffer.length });
        if (outcome === 'done' && get().compare.enabled && parent === null && request.mode !== 'classify') await parts.compare.actions.runCompare();
        return;
      }
      const { error } = outcome;
      const status = error.kind === 'cancelled' ? 'cancelled' : 'error';
      patch('trajectory', { status, error: error.kind === 'cancelled' ? null : error, frameCount: buffer.length, elapsedMs });
      updateNode(runId, { status, frameCount: buffer.length });
    } finally {
      void pollMemory();
    }
  };

  // The last mode with drift guidance the config was in (followModeDefaults compares against its default).
  let lastGuided: Mode = DEFAULT_CONFIG.mode;
  const actions: RunParts['actions'] = {
    setConfig(change) {
      const before = get().config;
      const table = ctx.samplingDefaults;
      if (defaultDriftGuidance(before.mode, table) !== null) lastGuided = before.mode;
      // A mode switch moves an untouched drift guidance to the new mode's measured default (defaults.ts).
      const T = get().engine.config?.schedule.T ?? 1000;
      const asked = { ...before, ...followModeDefaults(before, change, lastGuided, table) };
      const next = sanitizeConfig(asked, T);
      // A step count the sampler cannot take (DPM++ 2M with 1 step) is raised to its fewest, and says why.
      const problem = asked.steps < next.steps && SAMPLERS.includes(next.sampler) ? stepCountProblem(next.sampler, Math.round(asked.steps), T) : null;
      if (problem !== null) parts.view.actions.notify(`${problem}; using ${next.steps}.`, 'warning');
      const changed = (Object.keys(next) as (keyof RunConfig)[]).some((k) => next[k] !== before[k]);
      if (!changed) return;
      // Changing the config while a run plays cancels it cleanly; a new seed or mode also stops playback.
      cancelRun();
      cancelCompare();
      if (next.mode !== before.mode || next.seed !== before.seed) {
        stopLoop();
        patch('player', { playing: false });
      }
      set({ config: next });
      if (get().trajectory.run) patch('trajectory', { stale: true });
      if (next.batch !== before.batch && get().view.sample >= next.batch) patch('view', { sample: 0 });
      if (next.batch !== before.batch) warmConfigBatch(); // the grid's shapes, while the user looks
    },
    rollSeed() {
      actions.setConfig({ seed: dice.nextUint32() % 1_000_000 });
    },
    async generate() {
      const { config, engine: eng } = get();
      if (!ctx.engine || eng.status !== 'ready' || eng.switching) return;
      const built = buildRequest(config, ctx.newRunId());
      if (!built) return;
      await launch(built.request, built.summary, null, []);
    },
  };

  return { buildRequest, launch, actions };
}
