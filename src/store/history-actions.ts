/**
 * History and branches: every run keeps its frames (`ctx.archive`), so a run of the history can be shown
 * again without recomputing it (openRun), and a run can continue from one of its frames with other
 * settings (branch: a new run whose first frames are the parent's). The run tree's pure helpers live in
 * branches.ts.
 */
import type { RunRequest } from '../engine/protocol.ts';
import { NO_COMPARE_RUN, type CompareParts } from './compare-actions.ts';
import type { StoreContext } from './context.ts';
import type { Player } from './player.ts';
import { startAt } from './request.ts';
import type { RunParts } from './run-actions.ts';
import { sanitizeConfig, type Actions, type RunConfig } from './state.ts';
import type { TrajectoryParts } from './trajectory.ts';

export interface HistoryParts {
  readonly actions: Pick<Actions, 'branch' | 'openRun'>;
}

export function createHistoryActions(
  ctx: StoreContext,
  parts: {
    readonly trajectory: Pick<TrajectoryParts, 'channel' | 'cancelRun'>;
    readonly compare: Pick<CompareParts, 'dropCompare'>;
    readonly player: Pick<Player, 'stopLoop'>;
    readonly run: Pick<RunParts, 'buildRequest' | 'launch'>;
  },
): HistoryParts {
  const { get, set, patch } = ctx;
  const { channel, cancelRun } = parts.trajectory;
  const { dropCompare } = parts.compare;
  const { stopLoop } = parts.player;
  const { buildRequest, launch } = parts.run;

  const actions: HistoryParts['actions'] = {
    async branch(fromStep) {
      const { trajectory, config, player } = get();
      const parent = trajectory.run;
      const parentId = trajectory.runId;
      if (!parent || !parentId || trajectory.status === 'running') return;
      const { buffer } = channel;
      const k = Math.round(fromStep ?? Math.min(player.frameIndex, buffer.length - 1));
      const fail = (message: string) => patch('trajectory', { error: { kind: 'input', message } });
      if (parent.mode === 'classify' || config.mode === 'classify') return fail('Classify runs the forward process: it cannot branch.');
      if (!(k >= 0 && k < parent.steps && k < buffer.length)) return fail(`Branch from a frame in 0..${Math.min(parent.steps, buffer.length) - 1}.`);
      // The branch keeps the parent's timesteps (steps and spacing) and batch; every other setting is the controls'.
      const branchConfig: RunConfig = { ...config, steps: parent.steps, batch: parent.batch, spacing: parent.spacing };
      const built = buildRequest(branchConfig, ctx.newRunId());
      if (!built) return;
      const request: RunRequest = { ...built.request, start: startAt(buffer, k) };
      const prefill = buffer.all().slice(0, k);
      if (get().config.steps !== parent.steps || get().config.batch !== parent.batch || get().config.spacing !== parent.spacing) set({ config: branchConfig });
      await launch(request, built.summary, { runId: parentId, fromStep: k }, prefill);
    },
    openRun(runId) {
      const node = get().history.nodes.find((n) => n.runId === runId);
      const kept = ctx.archive.get(runId);
      if (!node || !kept || runId === get().trajectory.runId) return;
      cancelRun();
      dropCompare();
      stopLoop();
      channel.show(kept);
      const { summary } = node;
      const config: RunConfig = sanitizeConfig(summary, get().engine.config?.schedule.T ?? 1000);
      set((s) => ({
        config,
        trajectory: {
          runId,
          status: node.status === 'running' ? 'cancelled' : node.status,
          frameCount: kept.length,
          expectedFrames: summary.steps + 1,
          run: summary,
          stale: false,
          error: null,
          elapsedMs: null,
        },
        player: { ...s.player, playing: false, frameIndex: Math.min(s.player.frameIndex, Math.max(0, kept.length - 1)) },
        view: { ...s.view, sample: Math.min(s.view.sample, summary.batch - 1) },
        compare: { ...s.compare, ...NO_COMPARE_RUN },
      }));
    },
  };

  return { actions };
}
