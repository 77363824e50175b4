/**
 * URL-hash persistence of the run config, the drawn head, the mode's input and the share extras: a
 * shareable link reproduces the run (same seed, same trajectory). Format:
 * `#mode=joint&sampler=ddim&steps=50&eta=0&seed=42&batch=1&class=0&lg=0&dg=0&clip=1&paste=1&x0=masked&head=z`
 * (`lg`: label-head guidance s, RunRequest.labelGuidance; `dg`: drift guidance w, RunRequest.driftGuidance;
 * `x0`: the head x^_0 comes from, RunRequest.x0From: `masked` or `eps`). `guidance`, the name of label
 * guidance before drift guidance existed, is still read as `lg` (a link that has both uses `lg`). Then
 *   - sketch mode: `sketch=t12` (the edge map of bundled test image 12) or `sketch=d<171 base64url chars>`
 *     (a drawn 32x32 sketch, one bit per pixel; sketch-bits.ts);
 *   - representation mode: `point=123` (point 123 of the representation map);
 *   - the share extras (share.ts): `img` (test image, modes that take an image), `mask` (inpainting),
 *     `cmp=ddpm~0~0~50~2` (compare B's sampler~eta~label guidance~steps~drift guidance; the four-part form of
 *     older links means drift guidance 0), `explain=0`, and `frame` (the frame
 *     shown: opening a link with a frame runs the trajectory and stops on that frame).
 *
 * A link is untrusted input. Unknown keys, invalid values and out-of-range numbers are rejected or
 * clamped, and every such change produces a notice (plain text, shown as text, never as markup): the
 * user learns that the link said something this page did not do. Indices (test image, sketch image,
 * map point, frame) are checked once the samples or the run exist. A hash longer than MAX_HASH_LENGTH
 * is ignored as a whole. After a link is applied, the address bar shows what the page really uses.
 */
import type { Mode } from '../engine/protocol.ts';
import type { CompareKnobs } from './state.ts';
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
} from './state.ts';

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

/**
 * Longer hashes are not parsed at all. The longest real link is well under this: every key at its
 * longest at once (a drawn sketch `d` + 171 characters or a bit mask `b` + 171, compare knobs, frame,
 * test image; checked in url.test.ts) is under 450 characters.
 */
export const MAX_HASH_LENGTH = 1024;

export interface HashState extends ShareExtras {
  readonly config: Partial<RunConfig>;
  readonly head?: Head;
  /** What was rejected or clamped, one sentence each. */
  readonly notices: readonly string[];
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
    lg: String(config.labelGuidance),
    dg: String(config.driftGuidance),
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
    p.set('cmp', compareText(c));
  }
  if (extras.explain === false) p.set('explain', '0');
  if (extras.frame !== undefined) p.set('frame', String(extras.frame));
  return `#${p.toString()}`;
}

/** Compare B's knobs as the `cmp` value: sampler~eta~label guidance~steps~drift guidance. */
function compareText(c: CompareKnobs): string {
  return [c.sampler, c.eta, c.labelGuidance, c.steps, c.driftGuidance].join('~');
}

/** Every key a link may have (hashOf writes all but the old names in OLD_NAMES). */
const KEYS = ['mode', 'sampler', 'steps', 'eta', 'seed', 'batch', 'class', 'lg', 'dg', 'guidance', 'clip', 'paste', 'x0', 'head', 'sketch', 'point', 'img', 'mask', 'cmp', 'explain', 'frame'] as const;
/** Hash key -> RunConfig field, for the numeric settings (an old name after the key that replaced it). */
const NUMERIC: Readonly<Record<string, keyof RunConfig>> = {
  steps: 'steps', eta: 'eta', seed: 'seed', class: 'classId', lg: 'labelGuidance', dg: 'driftGuidance', guidance: 'labelGuidance',
};
/** Old key -> the key that replaced it: still read, never written; the new key wins when a link has both. */
const OLD_NAMES: Readonly<Record<string, string>> = { guidance: 'lg' };

/** A value from the link, shortened and quoted for a notice (React renders it as text). */
function shown(v: string): string {
  const flat = v.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > 32 ? `${flat.slice(0, 32)}…` : flat);
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

/** Compare B's knobs (clamped like the run config), the text they came from, or undefined when invalid. */
function parseCompare(text: string | null): { knobs: CompareKnobs; clamped: boolean } | undefined {
  if (text === null) return undefined;
  const parts = text.split('~');
  // Four parts: a link from before drift guidance (drift guidance 0).
  if (parts.length !== 4 && parts.length !== 5) return undefined;
  const [sampler, eta, labelGuidance, steps, driftGuidance = '0'] = parts;
  if (sampler !== 'ddim' && sampler !== 'ddpm') return undefined;
  const nums = [eta, labelGuidance, steps, driftGuidance].map((v) => (v === undefined || v.trim() === '' ? NaN : Number(v)));
  if (!nums.every(Number.isFinite)) return undefined;
  const clean = sanitizeConfig({ ...DEFAULT_CONFIG, sampler, eta: nums[0]!, labelGuidance: nums[1]!, steps: nums[2]!, driftGuidance: nums[3]! });
  const knobs: CompareKnobs = { sampler: clean.sampler, eta: clean.eta, labelGuidance: clean.labelGuidance, driftGuidance: clean.driftGuidance, steps: clean.steps };
  const asked = [knobs.eta, knobs.labelGuidance, knobs.steps, knobs.driftGuidance];
  return { knobs, clamped: asked.some((v, i) => v !== nums[i]) };
}

function parseIndex(text: string | null): number | undefined {
  if (text === null || !/^\d{1,6}$/.test(text)) return undefined;
  return Number(text);
}

export function parseHash(hash: string): HashState {
  const raw = hash.replace(/^#/, '');
  if (raw.length > MAX_HASH_LENGTH) {
    return { config: {}, notices: [`The link's settings are ${raw.length} characters long (at most ${MAX_HASH_LENGTH}); they were ignored.`] };
  }
  const p = new URLSearchParams(raw);
  const notices: string[] = [];
  const config: { -readonly [K in keyof RunConfig]?: RunConfig[K] } = {};
  const unknown = [...new Set([...p.keys()].filter((k) => !(KEYS as readonly string[]).includes(k)))];
  if (unknown.length > 0) {
    notices.push(`Ignored ${unknown.length === 1 ? 'a setting' : 'settings'} this page does not have: ${unknown.slice(0, 5).map(shown).join(', ')}${unknown.length > 5 ? '…' : ''}.`);
  }
  const reject = (key: string, v: string, valid: string): void => {
    notices.push(`Ignored ${key} = ${shown(v)} from the link (${valid}).`);
  };
  const mode = p.get('mode');
  if (mode !== null) {
    if ((AVAILABLE_MODES as readonly string[]).includes(mode)) config.mode = mode as Mode;
    else reject('mode', mode, `valid: ${AVAILABLE_MODES.join(', ')}`);
  }
  const sampler = p.get('sampler');
  if (sampler !== null) {
    if (sampler === 'ddim' || sampler === 'ddpm') config.sampler = sampler;
    else reject('sampler', sampler, 'valid: ddim, ddpm');
  }
  const given = new Map<keyof RunConfig, string>();
  for (const [key, field] of Object.entries(NUMERIC)) {
    const v = p.get(key);
    if (v === null) continue;
    const newName = OLD_NAMES[key];
    if (newName !== undefined && p.has(newName)) {
      notices.push(`Ignored ${key} = ${shown(v)} from the link: it is the old name of ${newName}, which the link also has.`);
      continue;
    }
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isFinite(n)) {
      reject(key, v, 'not a number');
      continue;
    }
    (config as Record<string, number>)[field] = n;
    given.set(field, key);
  }
  const batch = p.get('batch');
  if (batch !== null) {
    if (batch === '1' || batch === '16') config.batch = batch === '1' ? 1 : 16;
    else reject('batch', batch, 'valid: 1, 16');
  }
  const clip = p.get('clip');
  if (clip !== null) {
    if (clip === '0' || clip === '1') config.clipX0 = clip === '1';
    else reject('clip', clip, 'valid: 0, 1');
  }
  const paste = p.get('paste');
  if (paste !== null) {
    if (paste === '0' || paste === '1') config.paste = paste === '1';
    else reject('paste', paste, 'valid: 0, 1');
  }
  const x0 = p.get('x0');
  if (x0 !== null) {
    if (x0 === 'masked' || x0 === 'eps') config.x0From = x0;
    else reject('x0', x0, 'valid: masked, eps');
  }
  // Round-trip through the sanitiser, keeping only the keys the hash named; say what was clamped.
  const clean = sanitizeConfig({ ...DEFAULT_CONFIG, ...config });
  const out: Partial<RunConfig> = Object.fromEntries(Object.keys(config).map((k) => [k, clean[k as keyof RunConfig]]));
  for (const [field, key] of given) {
    const asked = config[field] as number;
    const used = clean[field] as number;
    if (asked !== used) notices.push(`${key} = ${shown(String(asked))} is out of range; using ${used}.`);
  }
  const head = p.get('head');
  if (head !== null && !(AVAILABLE_HEADS as readonly string[]).includes(head)) reject('head', head, `valid: ${AVAILABLE_HEADS.join(', ')}`);
  // The mode's input and the share extras.
  const sketchText = p.get('sketch');
  const sketch = parseSketch(sketchText);
  if (sketchText !== null && !sketch) reject('sketch', sketchText, `valid: t<test image>, or d and ${Math.ceil((DEFAULT_GEOMETRY.imageSize ** 2) / 6)} characters of a drawn sketch`);
  const pointText = p.get('point');
  const point = index(pointText);
  if (pointText !== null && point === undefined) reject('point', pointText, 'not a map point');
  const maskText = p.get('mask');
  const mask = maskText === null ? null : decodeMask(maskText);
  if (maskText !== null && !mask) reject('mask', maskText, 'not a mask');
  const cmpText = p.get('cmp');
  const compare = parseCompare(cmpText);
  if (cmpText !== null && !compare) reject('cmp', cmpText, 'valid: sampler~eta~label guidance~steps~drift guidance, sampler ddim or ddpm');
  if (cmpText !== null && compare?.clamped) notices.push(`cmp = ${shown(cmpText)} is out of range; using ${compareText(compare.knobs)}.`);
  const frameText = p.get('frame');
  const frame = parseIndex(frameText);
  if (frameText !== null && frame === undefined) reject('frame', frameText, 'not a frame number');
  const imgText = p.get('img');
  const testIndex = parseIndex(imgText);
  if (imgText !== null && testIndex === undefined) reject('img', imgText, 'not a test image number');
  const explain = p.get('explain');
  if (explain !== null && explain !== '0' && explain !== '1') reject('explain', explain, 'valid: 0, 1');
  return {
    config: out,
    notices,
    ...(head !== null && (AVAILABLE_HEADS as readonly string[]).includes(head) ? { head: head as Head } : {}),
    ...(sketch ? { sketch } : {}),
    ...(point !== undefined ? { point } : {}),
    ...(mask ? { mask } : {}),
    ...(compare ? { compare: compare.knobs } : {}),
    ...(frame !== undefined ? { frame } : {}),
    ...(testIndex !== undefined ? { testIndex } : {}),
    ...(explain === '0' ? { explain: false } : {}),
  };
}

/**
 * A link with a frame: once the engine and the mode's input (the test images, the representation map)
 * are ready, run the trajectory once and stop on that frame as soon as it exists (the last frame, with a
 * notice, when the run has fewer). Returns the unsubscribe function.
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
        if (target < frame) s.actions.notify(`frame = "${frame}" is past the run's last frame; showing frame ${target}.`, 'warning');
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
 * The link's test image, sketch image and map point, checked against the samples once they have loaded
 * (before that the editor takes any index): one out of range is replaced by the first, with a notice.
 * Returns the unsubscribe function.
 */
function checkIndices(store: AppStore, initial: HashState): () => void {
  const image = initial.testIndex ?? (initial.sketch?.kind === 'test' ? initial.sketch.index : undefined);
  const imageKey = initial.testIndex !== undefined ? 'img' : 'sketch';
  const point = initial.point;
  if (image === undefined && point === undefined) return () => undefined;
  const check = (): void => {
    const { samples, editor, actions } = store.getState();
    if (samples.status === 'loading') return;
    stop();
    if (samples.status !== 'ready') return;
    if (image !== undefined && image >= samples.count && editor.testIndex === image) {
      store.setState((s) => ({ editor: { ...s.editor, testIndex: 0 } }));
      actions.notify(`${imageKey} = "${imageKey === 'sketch' ? 't' : ''}${image}" is out of range (test images 0..${samples.count - 1}); using 0.`, 'warning');
    }
    if (point !== undefined && samples.points && point >= samples.points.count && editor.reprPoint === point) {
      store.setState((s) => ({ editor: { ...s.editor, reprPoint: 0 } }));
      actions.notify(`point = "${point}" is out of range (map points 0..${samples.points.count - 1}); using 0.`, 'warning');
    }
  };
  const stop = store.subscribe(check);
  queueMicrotask(check);
  return stop;
}

/**
 * Applies the hash to the store (config, head, test image, mask, sketch, map point, compare, explanations;
 * a frame runs the trajectory and stops there; its notices become store notices), then keeps the hash in
 * step with the config, head, mode input and share extras (replaceState: no history entry per slider
 * move), so the address bar at once shows what the page uses. Indices are checked against the samples
 * when they have loaded (checkIndices). Returns the unsubscribe function.
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
  for (const text of initial.notices) actions.notify(text, 'warning');
  const stopIndices = checkIndices(store, initial);
  const stopRestore = initial.frame !== undefined ? restoreFrame(store, initial.frame) : () => undefined;
  let last = '';
  let lastInputs: readonly unknown[] = [];
  const write = () => {
    const s = store.getState();
    // The frame is written while the player rests on one (not on every tick of playback).
    // The address bar follows the controls; it carries the frame only while they still match the run shown.
    const withFrame = !s.player.playing && s.trajectory.status !== 'running' && !s.trajectory.stale;
    // Everything shareHash reads. During a run the store changes on every frame while none of these
    // do: skip building the hash then (it ran on the main thread once per frame).
    const inputs = [withFrame, s.config, s.view, s.editor, s.samples, s.compare.enabled, s.compare.knobs, s.trajectory.run,
      withFrame ? s.trajectory.frameCount : -1, withFrame ? s.player.frameIndex : -1];
    if (inputs.length === lastInputs.length && inputs.every((v, i) => Object.is(v, lastInputs[i]))) return;
    lastInputs = inputs;
    const hash = shareHash(s, withFrame);
    if (hash !== last) {
      last = hash;
      replace(hash);
    }
  };
  write();
  const unsubscribe = store.subscribe(write);
  return () => {
    unsubscribe();
    stopIndices();
    stopRestore();
  };
}
