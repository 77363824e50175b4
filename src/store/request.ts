/**
 * The engine request of a run: the run config's sampler settings and the mode's inputs. One place for
 * both runs that send one (run-actions.ts buildRequest for A, compare-actions.ts for B), so that a new
 * RunRequest field reaches both.
 */
import type { Frame, RunRequest } from '../engine/protocol.ts';
import { driftGuidanceApplies, labelCommitApplies, labelGuidanceApplies, type RunConfig } from './state.ts';

/** The mode's inputs (null where the mode takes none); each is copied into the request. */
export interface RunInputs {
  readonly image: Float32Array | null;
  readonly mask: Float32Array | null;
  readonly sketch: Float32Array | null;
  readonly repr: Float32Array | null;
}

/**
 * RunRequest.start at frame k of a run's frames (indexed by frame index): its z, the NFE so far, and frame k - 1's
 * x0Hat, DPM-Solver++(2M)'s history (the runner uses it only for that sampler). Branches, the resume after a lost
 * GPU (A and B) and edited branches all start here, so a 2M run continues exactly.
 */
export function startAt(frames: { at(index: number): Frame | undefined }, k: number): NonNullable<RunRequest['start']> {
  const from = frames.at(k);
  if (from === undefined) throw new RangeError(`no frame ${k} to start from`);
  const before = k > 0 ? frames.at(k - 1) : undefined;
  return {
    z: from.z.slice(),
    fromStep: from.index,
    ...(before === undefined ? {} : { prevX0: before.x0Hat.slice() }),
    ...(from.nfe === undefined ? {} : { nfe: from.nfe }),
  };
}

export function runRequest(runId: string, config: RunConfig, inputs: RunInputs): RunRequest {
  const { image, mask, sketch, repr } = inputs;
  return {
    runId,
    mode: config.mode,
    sampler: config.sampler,
    steps: config.steps,
    eta: config.eta,
    spacing: config.spacing,
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
