/**
 * Latent editing mid-run (core/latent-edit.ts): the run shown, paused, gets its z at frame k painted or its
 * x^_0 re-noised to an earlier frame j, and continues from there as a branch of the history with the
 * parent's own settings (changing the condition is the ordinary branch, history-actions.ts). The branch
 * keeps the parent's frames before the edited one (the same arrays), starts from the edited z, and its
 * history node records the edit (RunNode.edit), which its link carries (url.ts: `*edit.` on a run of `br`).
 */
import { editProblem, editStart, paintLatent, renoiseLatent, renoiseNoise, type LatentEdit } from '../core/index.ts';
import type { RunRequest } from '../engine/protocol.ts';
import type { StoreContext } from './context.ts';
import { runRequest } from './request.ts';
import type { RunParts } from './run-actions.ts';
import { sanitizeConfig, type Actions, type Frames, type RunSummary } from './state.ts';
import { scheduleTables } from './teach.ts';
import type { TrajectoryParts } from './trajectory.ts';

export interface EditParts {
  readonly actions: Pick<Actions, 'branchWithEdit'>;
}

/** The z the branch starts from and the frame it takes its place at. */
/** Why a classify run has no latent editor (said by the editor panel and by branchWithEdit). */
export const CLASSIFY_NOT_EDITABLE = 'Classify runs the forward process: there is no reverse run to edit.';

export function editedStart(edit: LatentEdit, frames: Frames, run: RunSummary, alphaBar: ArrayLike<number>, size: number): { z: Float32Array; fromStep: number } {
  const fromStep = editStart(edit);
  if (edit.kind === 'paint') return { z: paintLatent(frames.at(edit.at)!.z, size, edit), fromStep };
  const target = frames.at(fromStep)!; // the earlier frame re-entered: its t and its drift c^_t
  const x0 = frames.at(edit.at)!.x0Hat;
  return { z: renoiseLatent(alphaBar[target.t]!, x0, target.drift, renoiseNoise(run.seed, target.t, x0.length)), fromStep };
}

export function createEditActions(ctx: StoreContext, parts: { readonly trajectory: Pick<TrajectoryParts, 'channel'>; readonly run: Pick<RunParts, 'launch'> }): EditParts {
  const { get } = ctx;
  const actions: EditParts['actions'] = {
    branchWithEdit(edit) {
      const { trajectory, engine } = get();
      const parent = trajectory.run;
      const parentId = trajectory.runId;
      if (!parent || !parentId) return 'Generate a run first: an edit changes a frame of the run shown.';
      if (engine.status !== 'ready' || engine.switching) return 'The model is not ready yet; edit once it has loaded.';
      if (trajectory.status === 'running') return 'This run is still computing: stop it or let it finish, then edit a frame of it.';
      if (parent.mode === 'classify') return CLASSIFY_NOT_EDITABLE;
      const buffer = parts.trajectory.channel.buffer;
      const size = engine.config?.imageSize ?? 32;
      const problem = editProblem(edit, { size, batch: parent.batch, steps: parent.steps });
      if (problem !== null) return problem;
      if (edit.at >= buffer.length) return `Frame ${edit.at} of this run was not computed (it has ${buffer.length} frames).`;
      const tables = scheduleTables(engine.config ?? undefined);
      const start = editedStart(edit, buffer, parent, tables.alphaBar, size);
      // The branch runs with the parent's own settings and inputs (not the controls'): the edit is the only change.
      const runId = ctx.newRunId();
      const config = sanitizeConfig(parent, tables.T);
      const summary: RunSummary = { ...parent, runId };
      const prev = start.fromStep > 0 ? buffer.at(start.fromStep - 1) : undefined;
      const request: RunRequest = {
        ...runRequest(runId, config, { image: parent.image, mask: parent.mask, sketch: parent.sketch, repr: parent.repr }),
        start: { ...start, ...(prev ? { prevX0: prev.x0Hat.slice() } : {}) },
      };
      void parts.run.launch(request, summary, { runId: parentId, fromStep: start.fromStep, edit }, buffer.all().slice(0, start.fromStep));
      return null;
    },
  };
  return { actions };
}
