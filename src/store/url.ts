/**
 * URL-hash persistence of the run config, the drawn head, the mode's input and the share extras: a
 * shareable link reproduces the run (same seed, same trajectory). Format:
 * `#mode=joint&sampler=ddim&steps=50&eta=0&seed=42&batch=1&class=0&lg=0&dg=0&lc=0&clip=1&paste=1&x0=masked&head=z`
 * (`lg`: label-head guidance s, RunRequest.labelGuidance; `dg`: drift guidance w, RunRequest.driftGuidance;
 * `lc`: label commitment, RunRequest.labelCommit (joint mode); a link's `dg` and `lc` win over the mode's
 * measured defaults (defaults.ts), a link without them gets those defaults;
 * `x0`: the head x^_0 comes from, RunRequest.x0From: `masked` or `eps`). `guidance`, the name of label
 * guidance before drift guidance existed, is still read as `lg` (a link that has both uses `lg`). Then
 *   - sketch mode: `sketch=t12` (the edge map of bundled test image 12) or `sketch=d<171 base64url chars>`
 *     (a drawn 32x32 sketch, one bit per pixel; bits.ts);
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
 *
 * Each key is one row of the field table below (CONFIG_FIELDS, HEAD_FIELD, EXTRA_FIELDS): parse, format,
 * clamp and notice in one place, and both directions (hashOf, parseHash) read it; a new key is a new row
 * (plus, for a share extra, its line in syncWithHash that applies it to the store).
 */
import * as v from 'valibot';
import { X0_SOURCES, type SamplerName } from '../engine/protocol.ts';
import { decodeMask, encodeMask } from './share.ts';
import { decodeBits, encodeBits } from './bits.ts';
import {
  AVAILABLE_HEADS,
  AVAILABLE_MODES,
  DEFAULT_CONFIG,
  DEFAULT_GEOMETRY,
  SAMPLERS,
  missingInput,
  modeUsesImage,
  sanitizeConfig,
  type AppState,
  type CompareKnobs,
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

// ---------------------------------------------------------------------------------------------
// The field table: every key of a link in one row, read and written from there (TF Playground's
// `State.PROPS`). A row parses its text (null: invalid, with `valid` in the notice), formats its value,
// and names the keys it replaced (still read, never written; the new key wins when a link has both).
// Run-config rows with `clamp` go through sanitizeConfig, and a clamped value gets a notice. The order of
// the rows is the order of the keys in a link and of the notices.

interface Field<T> {
  readonly key: string;
  readonly parse: (text: string) => T | null;
  /** Why a text was rejected: "valid: a, b" or what the key is. */
  readonly valid: string;
  readonly format: (value: T) => string;
  readonly oldKeys?: readonly string[];
}

/** A run-config key. */
type ConfigField<F extends keyof RunConfig = keyof RunConfig> = Field<RunConfig[F]> & {
  readonly field: F;
  /** Numeric: sanitizeConfig may clamp it, and says so in a notice. */
  readonly clamp?: true;
};

/**
 * A share-extras key: the value goes to `prop`; `format` may leave the key out (null: another mode's
 * input), and `clamped` says when the value used differs from the text (a notice shows the value used).
 * parse returns undefined for a valid text that sets nothing (explain=1: the default).
 */
interface ExtraField<P extends keyof ShareExtras = keyof ShareExtras> {
  readonly key: string;
  readonly prop: P;
  readonly parse: (text: string) => NonNullable<ShareExtras[P]> | null | undefined;
  readonly valid: string;
  readonly format: (value: NonNullable<ShareExtras[P]>, config: RunConfig) => string | null;
  readonly clamped?: (text: string, value: NonNullable<ShareExtras[P]>) => boolean;
}

/** A text parser from a valibot schema of the text: the schema's output, or null when it refuses the text. */
function accepts<T>(schema: v.GenericSchema<string, T>): (text: string) => T | null {
  return (t) => {
    const r = v.safeParse(schema, t);
    return r.success ? r.output : null;
  };
}

/** One of `values`, written as itself. */
function choice<V extends string>(values: readonly V[]): Pick<Field<V>, 'parse' | 'valid' | 'format'> {
  return { parse: accepts(v.picklist(values as readonly [V, ...V[]])), valid: `valid: ${values.join(', ')}`, format: String };
}

/** A finite number (clamped afterwards by sanitizeConfig). */
const NUMBER: Pick<Field<number>, 'parse' | 'valid' | 'format'> = {
  parse: accepts(v.pipe(v.string(), v.check((t) => t.trim() !== ''), v.transform(Number), v.finite())),
  valid: 'not a number',
  format: String,
};

/** 0 or 1. */
const FLAG: Pick<Field<boolean>, 'parse' | 'valid' | 'format'> = {
  parse: accepts(v.pipe(v.picklist(['0', '1']), v.transform((t) => t === '1'))),
  valid: 'valid: 0, 1',
  format: (b) => (b ? '1' : '0'),
};

const config = <F extends keyof RunConfig>(field: F, row: Omit<ConfigField<F>, 'field'>): ConfigField => ({ field, ...row }) as unknown as ConfigField;

const CONFIG_FIELDS: readonly ConfigField[] = [
  config('mode', { key: 'mode', ...choice(AVAILABLE_MODES) }),
  config('sampler', { key: 'sampler', ...choice(SAMPLERS) }),
  config('steps', { key: 'steps', ...NUMBER, clamp: true }),
  config('eta', { key: 'eta', ...NUMBER, clamp: true }),
  config('seed', { key: 'seed', ...NUMBER, clamp: true }),
  config('batch', { key: 'batch', parse: accepts(v.pipe(v.picklist(['1', '16']), v.transform((t) => (t === '16' ? 16 : 1)))), valid: 'valid: 1, 16', format: String }),
  config('classId', { key: 'class', ...NUMBER, clamp: true }),
  // `guidance`: label guidance's name before drift guidance existed.
  config('labelGuidance', { key: 'lg', ...NUMBER, clamp: true, oldKeys: ['guidance'] }),
  config('driftGuidance', { key: 'dg', ...NUMBER, clamp: true }),
  config('labelCommit', { key: 'lc', ...NUMBER, clamp: true }),
  config('clipX0', { key: 'clip', ...FLAG }),
  config('paste', { key: 'paste', ...FLAG }),
  config('x0From', { key: 'x0', ...choice(X0_SOURCES) }),
];

const HEAD_FIELD: Field<Head> = { key: 'head', ...choice(AVAILABLE_HEADS) };

const extra = <P extends keyof ShareExtras>(prop: P, row: Omit<ExtraField<P>, 'prop'>): ExtraField => ({ prop, ...row }) as unknown as ExtraField;

/** A non-negative integer of at most `n` plain digits. */
const digits = (n: number) => accepts(v.pipe(v.string(), v.regex(new RegExp(`^\\d{1,${n}}$`)), v.transform(Number)));

const EXTRA_FIELDS: readonly ExtraField[] = [
  extra('sketch', {
    key: 'sketch',
    parse: parseSketch,
    valid: `valid: t<test image>, or d and ${Math.ceil((DEFAULT_GEOMETRY.imageSize ** 2) / 6)} characters of a drawn sketch`,
    format: (s, c) => (c.mode !== 'sketch' ? null : s.kind === 'test' ? `t${s.index}` : `d${encodeBits(s.sketch)}`),
  }),
  extra('point', { key: 'point', parse: digits(9), valid: 'not a map point', format: (i, c) => (c.mode === 'representation' ? String(i) : null) }),
  extra('mask', { key: 'mask', parse: decodeMask, valid: 'not a mask', format: encodeMask }),
  extra('compare', {
    key: 'cmp',
    parse: (t) => parseCompare(t)?.knobs ?? null,
    valid: `valid: sampler~eta~label guidance~steps~drift guidance, sampler ${SAMPLERS.join(' or ')}`,
    format: compareText,
    clamped: (t) => parseCompare(t)?.clamped === true,
  }),
  extra('frame', { key: 'frame', parse: digits(6), valid: 'not a frame number', format: String }),
  extra('testIndex', { key: 'img', parse: digits(6), valid: 'not a test image number', format: String }),
  // explain=1 is the default: valid, and sets nothing.
  extra('explain', { key: 'explain', parse: accepts(v.pipe(v.picklist(['0', '1']), v.transform((t) => (t === '0' ? false : undefined)))), valid: 'valid: 0, 1', format: (e) => (e ? null : '0') }),
];

/** Every key a link may have (hashOf writes all but the old names). */
const KEYS: readonly string[] = [...CONFIG_FIELDS.flatMap((f) => [f.key, ...(f.oldKeys ?? [])]), HEAD_FIELD.key, ...EXTRA_FIELDS.map((f) => f.key)];

export function hashOf(config: RunConfig, head: Head, extras: ShareExtras = {}): string {
  const p = new URLSearchParams();
  for (const f of CONFIG_FIELDS) p.set(f.key, f.format(config[f.field]));
  p.set(HEAD_FIELD.key, HEAD_FIELD.format(head));
  for (const f of EXTRA_FIELDS) {
    const value = extras[f.prop];
    const text = value === undefined ? null : f.format(value, config);
    if (text !== null) p.set(f.key, text);
  }
  return `#${p.toString()}`;
}

/** Compare B's knobs as the `cmp` value: sampler~eta~label guidance~steps~drift guidance. */
function compareText(c: CompareKnobs): string {
  return [c.sampler, c.eta, c.labelGuidance, c.steps, c.driftGuidance].join('~');
}

/** A value from the link, shortened and quoted for a notice (React renders it as text). */
function shown(v: string): string {
  const flat = v.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > 32 ? `${flat.slice(0, 32)}…` : flat);
}

function parseSketch(text: string): SketchRef | null {
  if (text.startsWith('t')) {
    const i = digits(9)(text.slice(1));
    return i === null ? null : { kind: 'test', index: i };
  }
  if (text.startsWith('d')) {
    const sketch = decodeBits(text.slice(1), DEFAULT_GEOMETRY.imageSize ** 2);
    return sketch === null ? null : { kind: 'drawn', sketch };
  }
  return null;
}

/** Compare B's knobs (clamped like the run config) and whether any was clamped, or undefined when invalid. */
function parseCompare(text: string): { knobs: CompareKnobs; clamped: boolean } | undefined {
  const parts = text.split('~');
  // Four parts: a link from before drift guidance (drift guidance 0).
  if (parts.length !== 4 && parts.length !== 5) return undefined;
  const [sampler, eta, labelGuidance, steps, driftGuidance = '0'] = parts;
  if (!(SAMPLERS as readonly string[]).includes(sampler!)) return undefined;
  const nums = [eta, labelGuidance, steps, driftGuidance].map((v) => (v === undefined || v.trim() === '' ? NaN : Number(v)));
  if (!nums.every(Number.isFinite)) return undefined;
  const clean = sanitizeConfig({ ...DEFAULT_CONFIG, sampler: sampler as SamplerName, eta: nums[0]!, labelGuidance: nums[1]!, steps: nums[2]!, driftGuidance: nums[3]! });
  const knobs: CompareKnobs = { sampler: clean.sampler, eta: clean.eta, labelGuidance: clean.labelGuidance, driftGuidance: clean.driftGuidance, steps: clean.steps };
  const asked = [knobs.eta, knobs.labelGuidance, knobs.steps, knobs.driftGuidance];
  return { knobs, clamped: asked.some((v, i) => v !== nums[i]) };
}

export function parseHash(hash: string): HashState {
  const raw = hash.replace(/^#/, '');
  if (raw.length > MAX_HASH_LENGTH) {
    return { config: {}, notices: [`The link's settings are ${raw.length} characters long (at most ${MAX_HASH_LENGTH}); they were ignored.`] };
  }
  const p = new URLSearchParams(raw);
  const notices: string[] = [];
  const unknown = [...new Set([...p.keys()].filter((k) => !KEYS.includes(k)))];
  if (unknown.length > 0) {
    notices.push(`Ignored ${unknown.length === 1 ? 'a setting' : 'settings'} this page does not have: ${unknown.slice(0, 5).map(shown).join(', ')}${unknown.length > 5 ? '…' : ''}.`);
  }
  /** The row's value from the link (under its key, else an old one), null when absent or invalid. */
  const read = <T>(f: Field<T> | ExtraField, keys: readonly string[]): { key: string; text: string; value: T | null | undefined } | null => {
    let used: { key: string; text: string; value: T | null | undefined } | null = null;
    for (const key of keys) {
      const text = p.get(key);
      if (text === null) continue;
      if (used !== null) {
        notices.push(`Ignored ${key} = ${shown(text)} from the link: it is the old name of ${used.key}, which the link also has.`);
        continue;
      }
      used = { key, text, value: f.parse(text) as T | null | undefined };
      if (used.value === null) notices.push(`Ignored ${key} = ${shown(text)} from the link (${f.valid}).`);
    }
    return used;
  };
  // The run config: round-trip through the sanitiser, keeping only the keys the hash named; say what was clamped.
  const config: Partial<Record<keyof RunConfig, unknown>> = {};
  const given: [ConfigField, string][] = [];
  for (const f of CONFIG_FIELDS) {
    const r = read(f, [f.key, ...(f.oldKeys ?? [])]);
    if (r === null || r.value === null || r.value === undefined) continue;
    config[f.field] = r.value;
    if (f.clamp) given.push([f, r.key]);
  }
  const clean = sanitizeConfig({ ...DEFAULT_CONFIG, ...(config as Partial<RunConfig>) });
  const out: Partial<RunConfig> = Object.fromEntries(Object.keys(config).map((k) => [k, clean[k as keyof RunConfig]]));
  for (const [f, key] of given) {
    if (config[f.field] !== clean[f.field]) notices.push(`${key} = ${shown(String(config[f.field]))} is out of range; using ${String(clean[f.field])}.`);
  }
  const head = read(HEAD_FIELD, [HEAD_FIELD.key])?.value ?? undefined;
  // The mode's input and the share extras.
  const extras: Record<string, unknown> = {};
  for (const f of EXTRA_FIELDS) {
    const r = read(f, [f.key]);
    if (r === null || r.value === null || r.value === undefined) continue;
    extras[f.prop] = r.value;
    if (f.clamped?.(r.text, r.value)) notices.push(`${f.key} = ${shown(r.text)} is out of range; using ${String(f.format(r.value, clean))}.`);
  }
  return { config: out, notices, ...(head !== undefined ? { head } : {}), ...(extras as ShareExtras) };
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
