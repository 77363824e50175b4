/**
 * Test support for src/engine (imported by *.test.ts only): the real network from public/weights on
 * the tfjs cpu backend, through src/model's Node fetch shim, and request builders.
 */
import * as tf from '@tensorflow/tfjs';
import { createNetwork, disposeWeights, type LoadedWeights, type Network } from '../model/index.ts';
import { loadShippedWeights } from '../model/testing.ts';
import { makeTables, type Tables } from './plan.ts';
import type { Frame, RunRequest } from './protocol.ts';
import { runTrajectory, type RunEnd } from './runner.ts';

export interface TestModel {
  readonly loaded: LoadedWeights;
  readonly network: Network;
  readonly tables: Tables;
  dispose(): void;
}

export async function loadTestModel(): Promise<TestModel> {
  await tf.setBackend('cpu');
  const loaded = await loadShippedWeights();
  const network = createNetwork(loaded.config, loaded.weights);
  return {
    loaded,
    network,
    tables: makeTables(loaded.config),
    dispose() {
      network.dispose();
      disposeWeights(loaded.weights);
    },
  };
}

export function request(overrides: Partial<RunRequest> = {}): RunRequest {
  return {
    runId: 'test',
    mode: 'unconditional',
    sampler: 'ddim',
    steps: 4,
    eta: 0,
    seed: 42,
    batch: 1,
    clipX0: true,
    labelGuidance: 0,
    ...overrides,
  };
}

/** Drains a trajectory into an array. */
export async function collect(
  network: Network,
  tables: Tables,
  req: RunRequest,
  signal: AbortSignal = new AbortController().signal,
): Promise<{ frames: Frame[]; end: RunEnd }> {
  const frames: Frame[] = [];
  const gen = runTrajectory(network, tables, req, signal);
  for (;;) {
    const r = await gen.next();
    if (r.done) return { frames, end: r.value };
    frames.push(r.value);
  }
}
