/**
 * Compare: run B from the same starting noise as the run A on screen, with B's knobs (sampler, eta,
 * label-head guidance, drift guidance, steps), through a run channel of its own (run-channel.ts, the same
 * plumbing as A's). The knobs and the pure diff live in compare.ts.
 */
import type { StoreContext } from './context.ts';
import type { EngineParts } from './engine-actions.ts';
import { runRequest, startAt } from './request.ts';
import { createRunChannel } from './run-channel.ts';
import { sanitizeConfig, type Actions, type CompareKnobs, type RunSummary } from './state.ts';

/** The compare slice's run fields when there is no run B (set with the new run A that drops it). */
export const NO_COMPARE_RUN = { runId: null, status: 'empty', frameCount: 0, run: null, baseRunId: null, error: null } as const;

export interface CompareParts {
  /** Cancels a running B (A is untouched). */
  readonly cancelCompare: () => void;
  /** Cancels B and drops its frames: B belonged to the run A shown until now (the state takes NO_COMPARE_RUN). */
  readonly dropCompare: () => void;
  readonly actions: Pick<Actions, 'setCompare' | 'runCompare' | 'getCompareFrame' | 'compareFrames'>;
}

/** Why a classify run has no run B (the compare panel says it in place; Generate does not try B). */
export const CLASSIFY_NO_COMPARE = 'Classify runs the forward process: there is no sampler to compare.';

export function createCompareActions(ctx: StoreContext, parts: { readonly engine: Pick<EngineParts, 'runRecovering'> }): CompareParts {
  const { get, patch } = ctx;
  const { runRecovering } = parts.engine;
  // One buffer: B belongs to the run A shown.
  const channel = createRunChannel(ctx, ({ buffer }) => {
    if (get().compare.runId === buffer.runId) patch('compare', { frameCount: buffer.length });
  });

  const cancelCompare = () => {
    if (get().compare.status !== 'running' || channel.cancel() === null) return;
    patch('compare', { status: 'cancelled', frameCount: channel.buffer.length });
  };

  const dropCompare = () => {
    cancelCompare();
    channel.buffer.reset(null);
  };

  const actions: CompareParts['actions'] = {
    setCompare(change) {
      const before = get().compare;
      const T = get().engine.config?.schedule.T ?? 1000;
      const knobs = sanitizeConfig({ ...get().config, ...before.knobs, ...change }, T);
      const next: CompareKnobs = { sampler: knobs.sampler, eta: knobs.eta, labelGuidance: knobs.labelGuidance, driftGuidance: knobs.driftGuidance, steps: knobs.steps };
      const enabled = change.enabled ?? before.enabled;
      const same = enabled === before.enabled && (Object.keys(next) as (keyof CompareKnobs)[]).every((k) => next[k] === before.knobs[k]);
      if (same) return;
      cancelCompare();
      patch('compare', { enabled, knobs: next });
    },
    async runCompare() {
      const { trajectory, compare } = get();
      const base = trajectory.run;
      if (!ctx.engine || !base || !trajectory.runId || get().engine.status !== 'ready') return;
      if (base.mode === 'classify') {
        patch('compare', { error: { kind: 'input', message: CLASSIFY_NO_COMPARE } });
        return;
      }
      cancelCompare();
      const runId = ctx.newRunId(trajectory.runId);
      const summary: RunSummary = { ...base, ...compare.knobs, runId };
      // B: A's run (same seed: the same z_T, the same image, mask, sketch or representation) with B's knobs.
      const request = runRequest(runId, summary, base);
      channel.open(runId);
      patch('compare', { runId, status: 'running', frameCount: 0, run: summary, baseRunId: trajectory.runId, error: null });
      // Like run A (launch): a GPU loss moves the engine to wasm and B continues from its last frame, once
      // (the frame at that index comes again and is dropped by the buffer as a duplicate).
      const resume = () => {
        const last = channel.buffer.at(channel.buffer.length - 1);
        return { request: last ? { ...request, start: startAt(channel.buffer, last.index) } : request, step: last ? last.index : 0 };
      };
      const outcome = await runRecovering(request, channel.onFrame, () => channel.isCurrent(runId), resume);
      if (outcome === 'stale') return;
      channel.settle(outcome);
      const frameCount = channel.buffer.length;
      if (outcome === 'done' || outcome === 'cancelled') {
        patch('compare', { status: outcome, frameCount });
        return;
      }
      const { error } = outcome;
      patch('compare', { status: error.kind === 'cancelled' ? 'cancelled' : 'error', error: error.kind === 'cancelled' ? null : error, frameCount });
    },
    getCompareFrame: (index) => channel.buffer.at(index),
    compareFrames: () => channel.buffer,
  };

  return { cancelCompare, dropCompare, actions };
}
