/**
 * The engine request of a run: the run config's sampler settings and the mode's inputs. One place for
 * both runs that send one (run-actions.ts buildRequest for A, compare-actions.ts for B), so that a new
 * RunRequest field reaches both.
 */
import type { RunRequest } from '../engine/protocol.ts';
import { driftGuidanceApplies, labelCommitApplies, labelGuidanceApplies, type RunConfig } from './state.ts';

/** The mode's inputs (null where the mode takes none); each is copied into the request. */
export interface RunInputs {
  readonly image: Float32Array | null;
  readonly mask: Float32Array | null;
  readonly sketch: Float32Array | null;
  readonly repr: Float32Array | null;
}

export function runRequest(runId: string, config: RunConfig, inputs: RunInputs): RunRequest {
  const { image, mask, sketch, repr } = inputs;
  return {
    runId,
    mode: config.mode,
    sampler: config.sampler,
    steps: config.steps,
    eta: config.eta,
    seed: config.seed,
    batch: config.batch,
    clipX0: config.clipX0,
    x0From: config.x0From,
    labelGuidance: labelGuidanceApplies(config.mode) ? config.labelGuidance : 0,
    driftGuidance: driftGuidanceApplies(config.mode) ? config.driftGuidance : 0,
    labelCommit: labelCommitApplies(config.mode) ? config.labelCommit : 0,
    ...(config.mode === 'conditional' ? { classId: config.classId } : {}),
    ...(config.mode === 'inpaint' && config.paste ? { paste: true } : {}),
    ...(image ? { image: image.slice() } : {}),
    ...(mask ? { mask: mask.slice() } : {}),
    ...(sketch ? { sketch: sketch.slice() } : {}),
    ...(repr ? { repr: repr.slice() } : {}),
  };
}
