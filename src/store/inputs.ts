/**
 * The bundled samples and the model-space inputs a run takes from them and from the editor: a test image
 * or the drawn one, a sketch (a test image's edge map or the user's own), a map point's representation
 * vector. Test images and their sketches are converted once and cached (`sourceCache`,
 * `sketchCache`); a new download of the samples clears the caches.
 */
import { filesFetch, readModelSamples } from '../model/model-files.ts';
import { sketchOf, toModelSpace } from '../model/sketch.ts';
import type { FetchLike } from '../model/weights.ts';
import type { StoreContext } from './context.ts';
import { weightsLocation } from './model-source.ts';
import { parseQuality, REPORT_JSON } from './quality.ts';
import { pointVector } from './repr.ts';
import { parseSamplesIndex } from './samples.ts';
import { parseProjection } from './trajectory-map.ts';
import { DEFAULT_GEOMETRY, DEFAULT_SKETCH, type Actions, type AppState } from './state.ts';

export interface Inputs {
  readonly sourceImage: () => Float32Array | null;
  readonly sketchImage: () => Float32Array | null;
  readonly reprTarget: () => Float32Array | null;
  readonly actions: Pick<Actions, 'sourceImage' | 'testImage' | 'sketchImage' | 'reprTarget' | 'loadSamples' | 'loadQuality'>;
}

export function createInputs(ctx: StoreContext): Inputs {
  /** Source image cache: (index, model-space image). */
  let sourceCache: { key: string; image: Float32Array } | null = null;
  /** Sketch cache: (test index, its edge map). */
  let sketchCache: { key: string; sketch: Float32Array } | null = null;
  let samplesLoading: Promise<void> | null = null;
  /** The model whose samples are loading. */
  let loadingFor: StoreContext['model'] | null = null;
  const { get, patch, baseUrl, fetch: doFetch } = ctx;

  const sourceImage = (): Float32Array | null => {
    const { editor } = get();
    return editor.source === 'drawn' ? editor.drawn : testImage(editor.testIndex);
  };

  const testImage = (index: number): Float32Array | null => {
    const { samples } = get();
    if (!samples.images || !Number.isInteger(index) || index < 0 || index >= samples.count) return null;
    const key = `test/${index}`;
    if (sourceCache?.key === key) return sourceCache.image;
    const n = samples.size * samples.size;
    const start = index * n;
    const geometry = get().engine.config ?? { ...DEFAULT_GEOMETRY, dataSize: samples.size, pad: (DEFAULT_GEOMETRY.imageSize - samples.size) / 2 };
    const image = toModelSpace(samples.images.subarray(start, start + n), geometry);
    sourceCache = { key, image };
    return image;
  };

  const sketchImage = (): Float32Array | null => {
    const { editor, samples, engine: eng } = get();
    if (editor.sketchSource === 'drawn') return editor.sketchDrawn;
    if (!samples.images) return null;
    const key = `test/${editor.testIndex}`;
    if (sketchCache?.key === key) return sketchCache.sketch;
    const n = samples.size * samples.size;
    const start = editor.testIndex * n;
    const params = eng.config ?? { ...DEFAULT_GEOMETRY, dataSize: samples.size, pad: (DEFAULT_GEOMETRY.imageSize - samples.size) / 2, sketch: DEFAULT_SKETCH };
    // The same edge map the model was trained on (data.py sketch_of, tested bit for bit in src/model).
    const sketch = sketchOf(samples.images.subarray(start, start + n), params);
    sketchCache = { key, sketch };
    return sketch;
  };

  const reprTarget = (): Float32Array | null => {
    const { samples, editor } = get();
    return samples.points ? pointVector(samples.points, editor.reprPoint) : null;
  };

  /** The trajectory map's projection (optional: a failure leaves the rest of the page working, with its message). */
  const fetchProjection = async () => {
    try {
      const res = await doFetch(`${baseUrl}samples/projection.json`);
      if (!res.ok) throw new Error(`samples/projection.json: HTTP ${res.status}`);
      let json: unknown;
      try {
        json = await res.json();
      } catch {
        throw new Error('samples/projection.json: not valid JSON');
      }
      patch('samples', { projection: parseProjection(json), projectionError: null });
    } catch (e) {
      patch('samples', { projection: null, projectionError: e instanceof Error ? e.message : String(e) });
    }
  };

  /** The bundled samples (public/samples), or null when the model is another one. */
  const bundledSamples = async (): Promise<{ index: unknown; images: Uint8Array } | null> => {
    const [indexRes, imagesRes] = await Promise.all([doFetch(`${baseUrl}samples/index.json`), doFetch(`${baseUrl}samples/images.bin`)]);
    if (!indexRes.ok) throw new Error(`samples/index.json: HTTP ${indexRes.status}`);
    if (!imagesRes.ok) throw new Error(`samples/images.bin: HTTP ${imagesRes.status}`);
    return { index: await indexRes.json(), images: new Uint8Array(await imagesRes.arrayBuffer()) };
  };

  const fetchSamples = async () => {
    const source = ctx.model;
    patch('samples', { status: 'loading', error: null });
    try {
      let got: { index: unknown; images: Uint8Array } | null;
      if (source.kind === 'bundled') {
        got = await bundledSamples();
      } else {
        // Another model's own samples, beside its model.json and checked against its integrity map.
        const fetchFn: FetchLike = source.kind === 'files' ? filesFetch(source.files) : (url) => doFetch(url);
        got = await readModelSamples(fetchFn, weightsLocation(source, baseUrl));
      }
      if (ctx.model !== source) return;
      sourceCache = null;
      sketchCache = null;
      if (got === null) {
        // No samples: the editors offer only drawing, and there is no representation map.
        const classNames = get().engine.config?.classNames ?? [];
        patch('samples', { status: 'ready', count: 0, labels: [], classNames, images: new Uint8Array(0), points: null, error: null });
        return;
      }
      const { count, size, labels, classNames, points } = parseSamplesIndex(got.index, got.images.length, get().engine.config?.representation.dim);
      patch('samples', { status: 'ready', count, size, labels, classNames, images: got.images, points, error: null });
    } catch (e) {
      if (ctx.model === source) patch('samples', { status: 'error', error: e instanceof Error ? e.message : String(e) });
    }
    if (source.kind === 'bundled') await fetchProjection();
    // The projection is fitted to the bundled test images: another model's map would be meaningless.
    else patch('samples', { projection: null, projectionError: 'The trajectory map ships with the bundled model only.' });
  };

  /** The quality curve's download and the model it is for (a new model's curve replaces the old one's). */
  let qualityLoading: { promise: Promise<void>; source: StoreContext['model'] } | null = null;
  let qualityFor: StoreContext['model'] | null = null;
  /**
   * The model's own report.json (beside its model.json; for a folder from the disk, the file of that name in
   * it): its curve, or none when the file or its qualityVsNfe is missing (the chart then says how to measure
   * one). Any other failure is an error the chart names.
   */
  const fetchQuality = async (source: StoreContext['model']) => {
    patch('quality', { status: 'loading', curve: null, error: null });
    let next: Partial<AppState['quality']>;
    try {
      const fetchFn: FetchLike = source.kind === 'files' ? filesFetch(source.files) : (url) => doFetch(url);
      const res = await fetchFn(`${weightsLocation(source, baseUrl)}${REPORT_JSON}`, { signal: new AbortController().signal });
      if (res.status === 404) next = { status: 'ready', curve: null, error: null };
      else if (!res.ok) throw new Error(`${REPORT_JSON}: HTTP ${res.status}`);
      else {
        let json: unknown;
        try {
          json = await res.json();
        } catch {
          throw new Error(`${REPORT_JSON}: not valid JSON`);
        }
        next = { status: 'ready', curve: parseQuality(json), error: null };
      }
    } catch (e) {
      next = { status: 'error', curve: null, error: e instanceof Error ? e.message : String(e) };
    }
    if (ctx.model !== source) return; // another model was chosen meanwhile: its own download patches
    qualityFor = source;
    patch('quality', next);
  };

  const actions: Inputs['actions'] = {
    sourceImage,
    testImage,
    sketchImage,
    reprTarget,
    loadQuality() {
      const source = ctx.model;
      if (qualityFor === source && get().quality.status === 'ready') return Promise.resolve();
      if (qualityLoading?.source !== source) {
        const promise: Promise<void> = fetchQuality(source).finally(() => {
          if (qualityLoading?.promise === promise) qualityLoading = null;
        });
        qualityLoading = { promise, source };
      }
      return qualityLoading.promise;
    },
    loadSamples() {
      // One download at a time (React's StrictMode runs mount effects twice in development).
      // A new model's samples wait for the old model's download, then load afresh.
      if (samplesLoading !== null && loadingFor !== ctx.model) {
        return samplesLoading.then(() => (samplesLoading === null ? actions.loadSamples() : samplesLoading));
      }
      if (samplesLoading === null) {
        loadingFor = ctx.model;
        samplesLoading = fetchSamples().finally(() => {
          samplesLoading = null;
        });
      }
      return samplesLoading;
    },
  };

  return { sourceImage, sketchImage, reprTarget, actions };
}
