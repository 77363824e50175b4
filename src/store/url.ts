/**
 * URL-hash persistence of the run config and the drawn head: a shareable link reproduces the run
 * (same seed, same trajectory). Format: `#mode=joint&sampler=ddim&steps=50&eta=0&seed=42&batch=1&class=0&guidance=0&clip=1&paste=0&head=z`,
 * then the share extras (share.ts): `img` (test image), `mask` (inpainting), `cmp=ddpm~0~0~50` (compare
 * B's sampler~eta~guidance~steps), `explain=0`, and `frame` (the frame shown: opening a link with a
 * frame runs the trajectory and stops on that frame).
 * Unknown keys are ignored; invalid values fall back to the defaults (sanitizeConfig clamps the rest).
 */
import type { Mode } from '../engine/protocol.ts';
import type { CompareKnobs } from './compare.ts';
import { decodeMask, encodeMask } from './share.ts';
import { AVAILABLE_HEADS, AVAILABLE_MODES, DEFAULT_CONFIG, modeUsesImage, sanitizeConfig, type AppState, type AppStore, type Head, type RunConfig } from './store.ts';

/** What a link carries besides the run config and head. */
export interface ShareExtras {
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
function linkedConfig(s: AppState, withFrame: boolean): { config: RunConfig; mask: Float32Array | null; frame?: number } {
  const run = s.trajectory.run;
  const frames = s.trajectory.frameCount;
  if (withFrame && run && frames > 0) {
    return { config: sanitizeConfig(run), mask: run.mask, frame: Math.min(s.player.frameIndex, frames - 1) };
  }
  return { config: s.config, mask: s.config.mode === 'inpaint' ? s.editor.mask : null };
}

/**
 * The share extras of a state. `withFrame` adds the frame shown, and then the link describes the run on
 * screen (its settings and mask), not controls changed since; the copy-link button always does.
 */
export function extrasOf(s: AppState, withFrame: boolean): ShareExtras {
  const { config, mask, frame } = linkedConfig(s, withFrame);
  const mode = config.mode;
  return {
    ...(frame !== undefined ? { frame } : {}),
    ...(modeUsesImage(mode) && s.editor.source === 'test' ? { testIndex: s.editor.testIndex } : {}),
    ...(mode === 'inpaint' && mask ? { mask } : {}),
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
    head,
  });
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
  // Round-trip through the sanitiser, keeping only the keys the hash named.
  const clean = sanitizeConfig({ ...DEFAULT_CONFIG, ...config });
  const out: Partial<RunConfig> = Object.fromEntries(Object.keys(config).map((k) => [k, clean[k as keyof RunConfig]]));
  const head = p.get('head');
  const mask = p.get('mask');
  const decoded = mask === null ? null : decodeMask(mask);
  const compare = parseCompare(p.get('cmp'));
  const frame = parseIndex(p.get('frame'));
  const testIndex = parseIndex(p.get('img'));
  return {
    config: out,
    ...(head !== null && (AVAILABLE_HEADS as readonly string[]).includes(head) ? { head: head as Head } : {}),
    ...(decoded ? { mask: decoded } : {}),
    ...(compare ? { compare } : {}),
    ...(frame !== undefined ? { frame } : {}),
    ...(testIndex !== undefined ? { testIndex } : {}),
    ...(p.get('explain') === '0' ? { explain: false } : {}),
  };
}

/**
 * A link with a frame: once the engine (and, for a mode with an image, the test images) are ready, run
 * the trajectory once and stop on that frame as soon as it exists. Returns the unsubscribe function.
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
 * Applies the hash to the store, then keeps the hash in step with the config and head (replaceState:
 * no history entry per slider move). Returns the unsubscribe function.
 */
export function syncWithHash(store: AppStore, location: { hash: string }, replace: (hash: string) => void): () => void {
  const initial = parseHash(location.hash);
  const { actions } = store.getState();
  if (Object.keys(initial.config).length > 0) actions.setConfig(initial.config);
  if (initial.head) actions.setHead(initial.head);
  if (initial.testIndex !== undefined) actions.pickTestImage(initial.testIndex);
  if (initial.mask) store.setState((s) => ({ editor: { ...s.editor, mask: initial.mask! } }));
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
