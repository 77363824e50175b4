/**
 * Test doubles of the store's tests: an engine that runs every request to the end at once, with frames whose
 * z tells which run and step made them.
 */
import type { BackendReport, Frame, InitResult, RunRequest } from '../engine/protocol.ts';
import type { EngineLike } from './state.ts';
import { createAppStore, type AppStore } from './store.ts';

export const REPORT: BackendReport = { chosen: 'wasm', preference: 'auto', attempts: [], summary: 'wasm' };

/** z of frame k: seed * 1000 + k for a run from noise; a branch continues its start z plus (k - fromStep). */
export function frameOf(request: RunRequest, index: number): Frame {
  const n = request.batch * 1024;
  const base = request.start ? request.start.z[0]! - request.start.fromStep : request.seed * 1000;
  const probs = new Float32Array(request.batch * 10).fill(0.1);
  return {
    runId: request.runId, index, t: Math.round(1000 * (1 - index / request.steps)),
    z: new Float32Array(n).fill(base + index), x0Hat: new Float32Array(n).fill(request.sampler === 'ddpm' ? 0.5 : 0),
    masked: new Float32Array(n), sketch: new Float32Array(n), labelProbs: probs, repr: new Float32Array(request.batch * 8), drift: new Float32Array(n), ms: 1,
  };
}

/** Runs every request to the end at once (or, with `hold`, yields frame 0 and keeps computing forever). */
export class AutoEngine implements EngineLike {
  requests: RunRequest[] = [];
  hold = false;
  /** The frames it yields (default frameOf). */
  private readonly frame: (request: RunRequest, index: number) => Frame;
  constructor(frame: (request: RunRequest, index: number) => Frame = frameOf) {
    this.frame = frame;
  }
  init(): Promise<InitResult> {
    return Promise.resolve({ backend: REPORT, config: {}, trained: true, weightsBytes: 1, loadMs: 1, warmupMs: 1 });
  }
  run(request: RunRequest, onFrame: (f: Frame) => void): Promise<'done' | 'cancelled'> {
    this.requests.push(request);
    if (this.hold) {
      onFrame(this.frame(request, 0));
      return new Promise(() => undefined); // still computing
    }
    for (let i = request.start?.fromStep ?? 0; i <= request.steps; i++) onFrame(this.frame(request, i));
    return Promise.resolve('done');
  }
  cancel(): void {}
  memory() {
    return { numTensors: 0, numBytes: 0 };
  }
  setBackend(): Promise<BackendReport> {
    return Promise.resolve(REPORT);
  }
}


/** A store on `fake` (effects run at once, no memory polling) whose engine has started. */
export async function startedStore(fake: EngineLike): Promise<AppStore> {
  const store = createAppStore({ engine: () => fake, defer: (fn) => fn(), memoryPollMs: 0 });
  await store.getState().actions.startEngine();
  return store;
}
