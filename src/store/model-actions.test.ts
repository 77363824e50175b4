import { describe, expect, it } from 'vitest';
import type { BackendReport, Frame, InitOptions, InitResult, RunRequest } from '../engine/protocol.ts';
import { sha256Hex } from '../model/digest.ts';
import { readRepoJson } from '../model/testing.ts';
import { BUNDLED } from './model-source.ts';
import { createAppStore } from './store.ts';
import type { EngineLike, ModelSource } from './state.ts';

const REPORT: BackendReport = { chosen: 'cpu', preference: 'auto', attempts: [], summary: 'cpu' };

/** An engine that answers init with the bundled config, or a 3-class one for a folder from the disk. */
class Engine implements EngineLike {
  inits: InitOptions[] = [];
  readonly bundled: Record<string, unknown>;
  constructor(bundled: Record<string, unknown>) {
    this.bundled = bundled;
  }
  init(options: InitOptions): Promise<InitResult> {
    this.inits.push(options);
    const config = options.files ? { ...this.bundled, classNames: ['circle', 'square', 'triangle'], name: 'Shapes' } : this.bundled;
    return Promise.resolve({ backend: REPORT, config, trained: true, weightsBytes: 1, loadMs: 1, warmupMs: 1 });
  }
  run(_r: RunRequest, _f: (frame: Frame) => void): Promise<'done' | 'cancelled'> {
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

async function folder(damageImages = false): Promise<ModelSource> {
  const images = new Uint8Array(28 * 28).fill(9);
  const index = JSON.stringify({ count: 1, size: 28, labels: [2], classNames: ['circle', 'square', 'triangle'] });
  const indexBytes = new TextEncoder().encode(index);
  const manifest = {
    samples: { index: 'samples.json', images: 'samples.bin' },
    integrity: {
      'samples.json': { sha256: await sha256Hex(indexBytes), bytes: indexBytes.length },
      'samples.bin': { sha256: await sha256Hex(images), bytes: images.length },
    },
  };
  if (damageImages) images[0] = 10;
  const files = new Map<string, Blob>([
    ['model.json', new Blob([JSON.stringify(manifest)])],
    ['samples.json', new Blob([index])],
    ['samples.bin', new Blob([images])],
  ]);
  return { kind: 'files', folder: 'model', files };
}

async function setup(fetch: (url: string) => Promise<Response> = () => Promise.resolve(new Response(null, { status: 404 }))) {
  const raw = (await readRepoJson('public/weights/model.json')) as { config: Record<string, unknown> };
  const engine = new Engine(raw.config);
  const store = createAppStore({
    engine: () => engine,
    defer: (fn) => fn(),
    memoryPollMs: 0,
    baseUrl: '/app/',
    fetch,
    initialConfig: { classId: 7 },
  });
  await store.getState().actions.startEngine();
  return { store, engine };
}

describe('loadModel', () => {
  it('a folder from the disk: the engine reads its files, the name, samples and class id follow the model', async () => {
    const { store, engine } = await setup();
    expect(store.getState().model).toEqual({ source: 'bundled', name: 'Fashion-MNIST (bundled)', param: null });
    expect(engine.inits[0]).toMatchObject({ weightsUrl: '/app/weights/' });

    await store.getState().actions.loadModel(await folder());
    const s = store.getState();
    expect(engine.inits[1]?.files?.has('model.json')).toBe(true);
    expect(s.model).toEqual({ source: 'files', name: 'Shapes', param: null });
    expect(s.engine.config?.classNames).toEqual(['circle', 'square', 'triangle']);
    expect(s.samples).toMatchObject({ status: 'ready', count: 1, labels: [2], classNames: ['circle', 'square', 'triangle'] });
    expect(s.config.classId).toBe(0); // 7 is past the model's 3 classes
    expect(s.trajectory.status).toBe('empty');
    expect(s.history.nodes).toEqual([]);

    await store.getState().actions.loadModel(BUNDLED);
    expect(engine.inits[2]).toMatchObject({ weightsUrl: '/app/weights/' });
    expect(engine.inits[2]?.files).toBeUndefined();
    expect(store.getState().model.name).toBe('Fashion-MNIST (bundled)');
    expect(store.getState().engine.config?.classNames).toHaveLength(10);
  });

  it("a damaged samples file: the samples say which file and why; the model still runs", async () => {
    const { store } = await setup();
    await store.getState().actions.loadModel(await folder(true));
    const s = store.getState();
    expect(s.engine.status).toBe('ready');
    expect(s.samples.status).toBe('error');
    expect(s.samples.error).toMatch(/samples\.bin: sha256 mismatch/);
  });

  it("the quality curve is the loaded model's own (its report.json), none when it has none, an error when it is damaged", async () => {
    const curveOf = (fd: number) => ({
      qualityVsNfe: { n: 1000, floor: 6, driftGuidance: 0, lines: [{ id: 'ddim', sampler: 'ddim', eta: 0, spacing: 'trailing', points: [{ nfe: 5, steps: 5, evaluations: 5, frechetDistance: fd, accuracy: 0.9 }] }] },
    });
    const json = (body: unknown) => Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
    const asked: string[] = [];
    const { store } = await setup((url) => {
      asked.push(url);
      if (url === '/app/weights/report.json') return json(curveOf(86.4));
      if (url === 'http://h/other/report.json') return Promise.resolve(new Response('{"qualityVsNfe": {"n": 1000', { status: 200 }));
      return Promise.resolve(new Response(null, { status: 404 }));
    });
    const fd = () => store.getState().quality.curve?.lines[0]?.points[0]?.frechetDistance;
    await store.getState().actions.loadQuality();
    expect(store.getState().quality.status).toBe('ready');
    expect(fd()).toBe(86.4);

    // A folder from the disk without report.json: no curve (the chart says how to measure one), not the bundled one's.
    const noReport = await folder();
    await store.getState().actions.loadModel(noReport);
    expect(store.getState().quality).toEqual({ status: 'ready', curve: null, error: null });
    await store.getState().actions.loadQuality(); // App's mount effect again: nothing changes
    expect(store.getState().quality.curve).toBeNull();

    // The same folder with its own report.json: its curve.
    const files = new Map((noReport as Extract<ModelSource, { kind: 'files' }>).files);
    files.set('report.json', new Blob([JSON.stringify(curveOf(33.3))]));
    await store.getState().actions.loadModel({ kind: 'files', folder: 'model', files });
    expect(fd()).toBe(33.3);

    // A hosted model whose report.json is cut short: the error names the file.
    await store.getState().actions.loadModel({ kind: 'url', url: 'http://h/other/', param: '/other/' });
    expect(store.getState().quality).toMatchObject({ status: 'error', curve: null, error: 'report.json: not valid JSON' });

    // Back to the bundled model: its curve again.
    await store.getState().actions.loadModel(BUNDLED);
    expect(fd()).toBe(86.4);
    expect(asked.filter((u) => u.endsWith('report.json'))).toEqual(['/app/weights/report.json', 'http://h/other/report.json', '/app/weights/report.json']);
  });
});
