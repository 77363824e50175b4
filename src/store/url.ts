/**
 * URL-hash persistence of the run config, the drawn head and the input of the sketch and representation
 * modes: a shareable link reproduces the run (same seed, same trajectory). Format:
 * `#mode=joint&sampler=ddim&steps=50&eta=0&seed=42&batch=1&class=0&guidance=0&clip=1&paste=0&x0=masked&head=z`, plus
 *   - sketch mode: `sketch=t12` (the edge map of bundled test image 12) or `sketch=d<171 base64url chars>`
 *     (a drawn 32x32 sketch, one bit per pixel; sketch-bits.ts);
 *   - representation mode: `point=123` (point 123 of the representation map).
 * Unknown keys are ignored; invalid values fall back to the defaults (sanitizeConfig clamps the rest).
 */
import type { Mode } from '../engine/protocol.ts';
import { decodeSketchBits, encodeSketchBits } from './sketch-bits.ts';
import { AVAILABLE_HEADS, AVAILABLE_MODES, DEFAULT_CONFIG, DEFAULT_GEOMETRY, sanitizeConfig, type AppStore, type Head, type RunConfig } from './store.ts';

/** The sketch of a link: a bundled test image's edge map, or a drawn one. */
export type SketchRef = { readonly kind: 'test'; readonly index: number } | { readonly kind: 'drawn'; readonly sketch: Float32Array };

/** Mode inputs that live in the hash (only the current mode's is written). */
export interface HashInputs {
  readonly sketch?: SketchRef;
  readonly point?: number;
}

export interface HashState extends HashInputs {
  readonly config: Partial<RunConfig>;
  readonly head?: Head;
}

export function hashOf(config: RunConfig, head: Head, inputs: HashInputs = {}): string {
  const p = new URLSearchParams({
    mode: config.mode,
    sampler: config.sampler,
    steps: String(config.steps),
    eta: String(config.eta),
    seed: String(config.seed),
    batch: String(config.batch),
    class: String(config.classId),
    guidance: String(config.guidance),
    clip: config.clipX0 ? '1' : '0',
    paste: config.paste ? '1' : '0',
    x0: config.x0From,
    head,
  });
  if (config.mode === 'sketch' && inputs.sketch) {
    p.set('sketch', inputs.sketch.kind === 'test' ? `t${inputs.sketch.index}` : `d${encodeSketchBits(inputs.sketch.sketch)}`);
  }
  if (config.mode === 'representation' && inputs.point !== undefined) p.set('point', String(inputs.point));
  return `#${p.toString()}`;
}

/** A non-negative integer written in plain digits, or undefined. */
function index(text: string | null): number | undefined {
  return text !== null && /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

function parseSketch(text: string | null): SketchRef | undefined {
  if (text === null) return undefined;
  if (text.startsWith('t')) {
    const i = index(text.slice(1));
    return i === undefined ? undefined : { kind: 'test', index: i };
  }
  if (text.startsWith('d')) {
    const sketch = decodeSketchBits(text.slice(1), DEFAULT_GEOMETRY.imageSize);
    return sketch === null ? undefined : { kind: 'drawn', sketch };
  }
  return undefined;
}

export function parseHash(hash: string): HashState {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const config: { -readonly [K in keyof RunConfig]?: RunConfig[K] } = {};
  const num = (key: string): number | undefined => {
    const v = p.get(key);
    if (v === null || v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const mode = p.get('mode');
  if (mode !== null && (AVAILABLE_MODES as readonly string[]).includes(mode)) config.mode = mode as Mode;
  const sampler = p.get('sampler');
  if (sampler === 'ddim' || sampler === 'ddpm') config.sampler = sampler;
  const steps = num('steps');
  if (steps !== undefined) config.steps = steps;
  const eta = num('eta');
  if (eta !== undefined) config.eta = eta;
  const seed = num('seed');
  if (seed !== undefined) config.seed = seed;
  const batch = num('batch');
  if (batch === 1 || batch === 16) config.batch = batch;
  const classId = num('class');
  if (classId !== undefined) config.classId = classId;
  const guidance = num('guidance');
  if (guidance !== undefined) config.guidance = guidance;
  const clip = p.get('clip');
  if (clip === '0' || clip === '1') config.clipX0 = clip === '1';
  const paste = p.get('paste');
  if (paste === '0' || paste === '1') config.paste = paste === '1';
  const x0 = p.get('x0');
  if (x0 === 'masked' || x0 === 'eps') config.x0From = x0;
  // Round-trip through the sanitiser, keeping only the keys the hash named.
  const clean = sanitizeConfig({ ...DEFAULT_CONFIG, ...config });
  const out: Partial<RunConfig> = Object.fromEntries(Object.keys(config).map((k) => [k, clean[k as keyof RunConfig]]));
  const head = p.get('head');
  const sketch = parseSketch(p.get('sketch'));
  const point = index(p.get('point'));
  return {
    config: out,
    ...(head !== null && (AVAILABLE_HEADS as readonly string[]).includes(head) ? { head: head as Head } : {}),
    ...(sketch ? { sketch } : {}),
    ...(point !== undefined ? { point } : {}),
  };
}

/** The current mode's input as the hash writes it. */
function inputsOf(store: AppStore): HashInputs {
  const { editor } = store.getState();
  return {
    sketch: editor.sketchSource === 'test' ? { kind: 'test', index: editor.testIndex } : { kind: 'drawn', sketch: editor.sketchDrawn },
    point: editor.reprPoint,
  };
}

/**
 * Applies the hash to the store, then keeps the hash in step with the config, head and mode input
 * (replaceState: no history entry per slider move). Indices are checked against the samples when they
 * have loaded (pickSketchImage and pickReprPoint ignore an index out of range then). Returns the
 * unsubscribe function.
 */
export function syncWithHash(store: AppStore, location: { hash: string }, replace: (hash: string) => void): () => void {
  const initial = parseHash(location.hash);
  const { actions } = store.getState();
  if (Object.keys(initial.config).length > 0) actions.setConfig(initial.config);
  if (initial.head) actions.setHead(initial.head);
  if (initial.sketch?.kind === 'test') actions.pickSketchImage(initial.sketch.index);
  if (initial.sketch?.kind === 'drawn') actions.setSketch(initial.sketch.sketch);
  if (initial.point !== undefined) actions.pickReprPoint(initial.point);
  let last = '';
  const write = () => {
    const s = store.getState();
    const hash = hashOf(s.config, s.view.head, inputsOf(store));
    if (hash !== last) {
      last = hash;
      replace(hash);
    }
  };
  write();
  return store.subscribe(write);
}
