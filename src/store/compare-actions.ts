/**
 * Compare (issue 5): run B from the same starting noise as the run A on screen, with B's knobs (sampler,
 * eta, label-head guidance, drift guidance, steps), into its own buffer (`ctx.compareBuffer`). B's run id is its cancel token, as
 * A's is (`ctx.acceptingCompareId`). The knobs and the pure diff live in compare.ts.
 */
import type { Frame } from '../engine/protocol.ts';
import type { CompareKnobs } from './compare.ts';
import type { StoreContext } from './context.ts';
import type { EngineParts } from './engine-actions.ts';
import { runRequest } from './request.ts';
import { sanitizeConfig, type Actions, type RunSummary } from './state.ts';

/** The compare slice's run fields when there is no run B (set with the new run A that drops it). */
export const NO_COMPARE_RUN = { runId: null, status: 'empty', frameCount: 0, run: null, baseRunId: null, error: null } as const;

export interface CompareParts {
  /** Cancels a running B (A is untouched). */
  readonly cancelCompare: () => void;
  /** Cancels B and drops its frames: B belonged to the run A shown until now (the state takes NO_COMPARE_RUN). */
  readonly dropCompare: () => void;
  readonly actions: Pick<Actions, 'setCompare' | 'runCompare' | 'getCompareFrame' | 'compareFrames'>;
}

export function createCompareActions(ctx: StoreContext, parts: { readonly engine: Pick<EngineParts, 'runRecovering'> }): CompareParts {
  const { get, patch, defer } = ctx;
  const { runRecovering } = parts.engine;

  const cancelCompare = () => {
    const { compare } = get();
    if (compare.status !== 'running' || !compare.runId) return;
    ctx.acceptingCompareId = null;
    patch('compare', { status: 'cancelled', frameCount: ctx.compareBuffer.length });
    if (ctx.engine) {
      try {
        void Promise.resolve(ctx.engine.cancel(compare.runId)).catch(() => undefined);
      } catch {
        // best effort
      }
    }
  };

  const dropCompare = () => {
    cancelCompare();
    ctx.compareBuffer.reset(null);
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
        patch('compare', { error: { kind: 'input', message: 'Classify runs the forward process: there is no sampler to compare.' } });
        return;
      }
      cancelCompare();
      const runId = `${trajectory.runId}-B${++ctx.runCounter}`;
      const summary: RunSummary = { ...base, ...compare.knobs, runId };
      // B: A's run (same seed: the same z_T, the same image, mask, sketch or representation) with B's knobs.
      const request = runRequest(runId, summary, base);
      ctx.compareBuffer.reset(runId);
      ctx.acceptingCompareId = runId;
      patch('compare', { runId, status: 'running', frameCount: 0, run: summary, baseRunId: trajectory.runId, error: null });
      let pending = false;
      const flushCompare = () => {
        pending = false;
        if (get().compare.runId === runId) patch('compare', { frameCount: ctx.compareBuffer.length });
      };
      const onCompareFrame = (frame: Frame) => {
        if (ctx.acceptingCompareId !== runId || !ctx.compareBuffer.push(frame)) return;
        if (!pending) {
          pending = true;
          defer(flushCompare);
        }
      };
      // Like run A (launch): a GPU loss moves the engine to wasm and B continues from its last frame, once
      // (the frame at that index comes again and is dropped by the buffer as a duplicate).
      const resume = () => {
        const last = ctx.compareBuffer.at(ctx.compareBuffer.length - 1);
        return { request: last ? { ...request, start: { z: last.z.slice(), fromStep: last.index } } : request, step: last ? last.index : 0 };
      };
      const outcome = await runRecovering(request, onCompareFrame, () => ctx.acceptingCompareId === runId, resume);
      if (outcome === 'stale') return;
      if (outcome === 'done' || outcome === 'cancelled') {
        patch('compare', { status: outcome, frameCount: ctx.compareBuffer.length });
        return;
      }
      const { error } = outcome;
      ctx.acceptingCompareId = null;
      patch('compare', { status: error.kind === 'cancelled' ? 'cancelled' : 'error', error: error.kind === 'cancelled' ? null : error, frameCount: ctx.compareBuffer.length });
      if (error.kind === 'device-lost' || error.kind === 'backend') patch('engine', { error });
    },
    getCompareFrame: (index) => ctx.compareBuffer.at(index),
    compareFrames: () => ctx.compareBuffer,
  };

  return { cancelCompare, dropCompare, actions };
}
