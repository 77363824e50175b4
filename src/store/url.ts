/**
/**
 * URL-hash persistence of the run config, the drawn head, the mode's input and the share extras: a
 * shareable link reproduces the run (same seed, same trajectory). Format:
 * `#mode=joint&sampler=ddim&steps=50&eta=0&seed=42&batch=1&class=0&guidance=0&clip=1&paste=0&x0=masked&head=z`
 * (`x0`: the head x^_0 comes from, RunRequest.x0From: `masked` or `eps`), then
 *   - sketch mode: `sketch=t12` (the edge map of bundled test image 12) or `sketch=d<171 base64url chars>`
 *     (a drawn 32x32 sketch, one bit per pixel; sketch-bits.ts);
 *   - representation mode: `point=123` (point 123 of the representation map);
 *   - the share extras (share.ts): `img` (test image, modes that take an image), `mask` (inpainting),
 *     `cmp=ddpm~0~0~50` (compare B's sampler~eta~guidance~steps), `explain=0`, and `frame` (the frame
 *     shown: opening a link with a frame runs the trajectory and stops on that frame).
 * Unknown keys are ignored; invalid values fall back to the defaults (sanitizeConfig clamps the rest).
 */
import type { Mode } from '../engine/protocol.ts';
import type { CompareKnobs } from './compare.ts';
import { decodeMask, encodeMask } from './share.ts';
import { decodeSketchBits, encodeSketchBits } from './sketch-bits.ts';
import {
  AVAILABLE_HEADS,
  AVAILABLE_MODES,
  DEFAULT_CONFIG,
  DEFAULT_GEOMETRY,
  missingInput,
  modeUsesImage,
  sanitizeConfig,
  type AppState,
  type AppStore,
  type Head,
  type RunConfig,
  type RunSummary,
} from './store.ts';

/** The sketch of a link: a bundled test image's edge map, or a drawn one. */
export type SketchRef = { readonly kind: 'test'; readonly index: number } | { readonly kind: 'drawn'; readonly sketch: Float32Array };

/** Mode inputs that live in the hash (only the current mode's is written). */
export interface HashInputs {
  readonly sketch?: SketchRef;
  readonly point?: number;
}

/** What a link carries besides the run config and head: the mode's input (HashInputs) and the share extras. */
export interface ShareExtras extends HashInputs {
  /** Frame index to show. */
  readonly frame?: number;
  /** Bundled test image index (modes that take an image). */
  readonly testIndex?: number;
  /** Inpainting mask, 32x32, 1 = visible. */
  readonly mask?: Float32Array;
  /** Compare B's knobs (present: compare is on). */
  readonly compare?: CompareKnobs;
  /** false: explanations hidden. */
  readonly explain?: boolean;
}

export interface HashState extends ShareExtras {
  readonly config: Partial<RunConfig>;
  readonly head?: Head;
}

/** The run a link describes: the run on screen when the frame is included, else the controls' settings. */
function linkedConfig(s: AppState, withFrame: boolean): { config: RunConfig; mask: Float32Array | null; run: RunSummary | null; frame?: number } {
  const run = s.trajectory.run;
  const frames = s.trajectory.frameCount;
  if (withFrame && run && frames > 0) {
    return { config: sanitizeConfig(run), mask: run.mask, run, frame: Math.min(s.player.frameIndex, frames - 1) };
  }
  return { config: s.config, mask: s.config.mode === 'inpaint' ? s.editor.mask : null, run: null };
}

function sameValues(a: Float32Array | null, b: Float32Array): boolean {
  return a !== null && a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The sketch a link names: the run's (when it describes a run), else the editor's. */
function sketchRef(s: AppState, run: RunSummary | null): SketchRef {
  const { editor } = s;
  const given = run?.sketch ?? null;
  // The run's sketch is still the picked test image's edge map: name the image (a short link).
  if (given && !(editor.sketchSource === 'test' && sameValues(s.actions.sketchImage(), given))) return { kind: 'drawn', sketch: given };
  return editor.sketchSource === 'test' ? { kind: 'test', index: editor.testIndex } : { kind: 'drawn', sketch: editor.sketchDrawn };
}

/**
 * The share extras of a state. `withFrame` adds the frame shown, and then the link describes the run on
 * screen (its settings, mask, sketch and map point), not controls changed since; the copy-link button
 * always does.
 */
export function extrasOf(s: AppState, withFrame: boolean): ShareExtras {
  const { config, mask, run, frame } = linkedConfig(s, withFrame);
  const mode = config.mode;
  return {
    ...(frame !== undefined ? { frame } : {}),
    ...(modeUsesImage(mode) && s.editor.source === 'test' ? { testIndex: s.editor.testIndex } : {}),
    ...(mode === 'inpaint' && mask ? { mask } : {}),
    ...(mode === 'sketch' ? { sketch: sketchRef(s, run) } : {}),
    ...(mode === 'representation' ? { point: run?.reprPoint ?? s.editor.reprPoint } : {}),
    ...(s.compare.enabled ? { compare: s.compare.knobs } : {}),
    ...(s.view.explain ? {} : { explain: false }),
  };
}

/** The hash of the whole state (for the copy-link button: with the frame). */
export function shareHash(s: AppState, withFrame = true): string {
  return hashOf(linkedConfig(s, withFrame).config, s.view.head, extrasOf(s, withFrame));
}

export function hashOf(config: RunConfig, head: Head, extras: ShareExtras = {}): string {
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
  if (config.mode === 'sketch' && extras.sketch) {
    p.set('sketch', extras.sketch.kind === 'test' ? `t${extras.sketch.index}` : `d${encodeSketchBits(extras.sketch.sketch)}`);
  }
  if (config.mode === 'representation' && extras.point !== undefined) p.set('point', String(extras.point));
  if (extras.testIndex !== undefined) p.set('img', String(extras.testIndex));
  if (extras.mask !== undefined) p.set('mask', encodeMask(extras.mask));
  if (extras.compare !== undefined) {
    const c = extras.compare;
    p.set('cmp', [c.sampler, c.eta, c.guidance, c.steps].join('~'));
  }
  if (extras.explain === false) p.set('explain', '0');
  if (extras.frame !== undefined) p.set('frame', String(extras.frame));
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

function parseCompare(text: string | null): CompareKnobs | undefined {
  if (text === null) return undefined;
  const [sampler, eta, guidance, steps] = text.split('~');
  if (sampler !== 'ddim' && sampler !== 'ddpm') return undefined;
  const nums = [eta, guidance, steps].map((v) => (v === undefined || v.trim() === '' ? NaN : Number(v)));
  if (!nums.every(Number.isFinite)) return undefined;
  const clean = sanitizeConfig({ ...DEFAULT_CONFIG, sampler, eta: nums[0]!, guidance: nums[1]!, steps: nums[2]! });
  return { sampler: clean.sampler, eta: clean.eta, guidance: clean.guidance, steps: clean.steps };
}

function parseIndex(text: string | null): number | undefined {
  if (text === null || !/^\d{1,6}$/.test(text)) return undefined;
  return Number(text);
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
  const mask = p.get('mask');
  const decoded = mask === null ? null : decodeMask(mask);
  const compare = parseCompare(p.get('cmp'));
  const frame = parseIndex(p.get('frame'));
  const testIndex = parseIndex(p.get('img'));
  return {
    config: out,
    ...(head !== null && (AVAILABLE_HEADS as readonly string[]).includes(head) ? { head: head as Head } : {}),
    ...(sketch ? { sketch } : {}),
    ...(point !== undefined ? { point } : {}),
    ...(decoded ? { mask: decoded } : {}),
    ...(compare ? { compare } : {}),
    ...(frame !== undefined ? { frame } : {}),
    ...(testIndex !== undefined ? { testIndex } : {}),
    ...(p.get('explain') === '0' ? { explain: false } : {}),
  };
}

/**
 * A link with a frame: once the engine and the mode's input (the test images, the representation map)
 * are ready, run the trajectory once and stop on that frame as soon as it exists. Returns the
 * unsubscribe function.
 */
function restoreFrame(store: AppStore, frame: number): () => void {
  let phase: 'wait' | 'starting' | 'running' | 'done' = 'wait';
  let runId: string | null = null;
  const check = (): void => {
    const s = store.getState();
    if (phase === 'starting' || phase === 'done') return;
    if (phase === 'wait') {
      if (s.engine.status !== 'ready' || s.engine.switching) return;
      if (modeUsesImage(s.config.mode) && s.samples.status !== 'ready') return;
      if (missingInput(s) !== null && s.samples.status === 'loading') return;
      phase = 'starting'; // generate() updates the store synchronously: ignore those updates here
      const before = s.trajectory.runId;
      void s.actions.generate();
      runId = store.getState().trajectory.runId;
      phase = runId !== before ? 'running' : 'wait';
      if (phase === 'running') check();
      return;
    }
    if (phase === 'running' && s.trajectory.runId === runId) {
      const last = s.trajectory.expectedFrames - 1;
      const target = Math.min(frame, last);
      if (s.trajectory.frameCount > target) {
        phase = 'done';
        s.actions.seek(target);
        stop();
      }
    } else if (phase === 'running') {
      phase = 'done'; // the user started something else
      stop();
    }
  };
  const stop = store.subscribe(check);
  queueMicrotask(check);
  return stop;
}

/**
 * Applies the hash to the store (config, head, test image, mask, sketch, map point, compare, explanations;
 * a frame runs the trajectory and stops there), then keeps the hash in step with the config, head, mode
 * input and share extras (replaceState: no history entry per slider move). Indices are checked against the samples when they
 * have loaded (pickSketchImage and pickReprPoint ignore an index out of range then). Returns the
 * unsubscribe function.
 */
export function syncWithHash(store: AppStore, location: { hash: string }, replace: (hash: string) => void): () => void {
  const initial = parseHash(location.hash);
  const { actions } = store.getState();
  if (Object.keys(initial.config).length > 0) actions.setConfig(initial.config);
  if (initial.head) actions.setHead(initial.head);
  if (initial.testIndex !== undefined) actions.pickTestImage(initial.testIndex);
  if (initial.mask) store.setState((s) => ({ editor: { ...s.editor, mask: initial.mask! } }));
  if (initial.sketch?.kind === 'test') actions.pickSketchImage(initial.sketch.index);
  if (initial.sketch?.kind === 'drawn') actions.setSketch(initial.sketch.sketch);
  if (initial.point !== undefined) actions.pickReprPoint(initial.point);
  if (initial.compare) actions.setCompare({ ...initial.compare, enabled: true });
  if (initial.explain === false) actions.setExplain(false);
  const stopRestore = initial.frame !== undefined ? restoreFrame(store, initial.frame) : () => undefined;
  let last = '';
  const write = () => {
    const s = store.getState();
    // The frame is written while the player rests on one (not on every tick of playback).
    // The address bar follows the controls; it carries the frame only while they still match the run shown.
    const hash = shareHash(s, !s.player.playing && s.trajectory.status !== 'running' && !s.trajectory.stale);
    if (hash !== last) {
      last = hash;
      replace(hash);
    }
  };
  write();
  const unsubscribe = store.subscribe(write);
  return () => {
    unsubscribe();
    stopRestore();
  };
}
