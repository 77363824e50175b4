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
 *     older links means drift guidance 0), `explain=0`, `br` (the run shown is a branch: the chain of runs it
 *     came from, root first, `~` between runs; each run is `<step its child branches from>` and
 *     `*<key>.<value>` for every setting or input, written as its own row writes it, in which it differs
 *     from the run shown, e.g. `br=10*sampler.ddpm*seed.42`, and `*edit.<latent edit>` when its child was made
 *     by a latent edit (EDIT_FIELD, edit-codec.ts: `p4.0_30.16.3.50_…` painted, `r7.3` re-noised), e.g.
 *     `br=10*seed.42~4*edit.p4.0_30.16.3.50`; opening it replays the chain), and `frame` (the frame
 *     shown: opening a link with a frame runs the trajectory and stops on that frame).
 *   Older links carried a chain of latent edits alone as `edit=p3.0_30.16.3.50*r8.2` (root first, every run
 *   with the run shown's settings); it is still read, as the branch chain it means (legacyEdits), never written.
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
import { stepCountProblem } from '../core/samplers.ts';
import { editStart, type LatentEdit } from '../core/latent-edit.ts';
import { X0_SOURCES, type SamplerName } from '../engine/protocol.ts';
import { decodeEdit, describeEdit, encodeEdit } from './edit-codec.ts';
import { decodeMask, encodeMask } from './share.ts';
import { decodeBits, encodeBits } from './bits.ts';
import {
  AVAILABLE_HEADS,
  AVAILABLE_MODES,
  DEFAULT_CONFIG,
  DEFAULT_GEOMETRY,
  PRESENT_PANELS,
  SAMPLERS,
  SPACINGS,
  missingInput,
  modeUsesImage,
  sanitizeConfig,
  type AppState,
  type CompareKnobs,
  type AppStore,
  type Head,
  type PresentPanel,
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
  /** Presentation mode with this side panel. */
  readonly present?: PresentPanel;
  /** The run shown is a branch: the runs it came from, root first (branchChain). */
  readonly branch?: readonly BranchLevel[];
}

/**
 * One run of a branch chain in a link (`br`): the step its child branches from, and the settings and
 * inputs in which it differs from the run shown (a key that is absent has the run shown's value).
 */
export interface BranchLevel {
  readonly step: number;
  readonly config: Partial<RunConfig>;
  readonly testIndex?: number;
  readonly mask?: Float32Array;
  readonly sketch?: SketchRef;
  readonly point?: number;
  /** The latent edit its child was made with (edit-actions.ts): the child is replayed by branchWithEdit. */
  readonly edit?: LatentEdit;
}

/** Most runs a link's branch chain names (a deeper branch's link opens its settings from noise: linkCaveat). */
export const MAX_BRANCH_LEVELS = 16;

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
  if (run && run.sketchIndex !== null && given) return { kind: 'test', index: run.sketchIndex };
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
  const testIndex = run ? run.testIndex : s.editor.source === 'test' ? s.editor.testIndex : null;
  const chain = run ? branchChain(s) : null;
  return {
    ...(frame !== undefined ? { frame } : {}),
    ...(modeUsesImage(mode) && testIndex !== null ? { testIndex } : {}),
    ...(chain && chain.complete && chain.levels.length > 0 ? { branch: chain.levels } : {}),
    ...(mode === 'inpaint' && mask ? { mask } : {}),
    ...(mode === 'sketch' ? { sketch: sketchRef(s, run) } : {}),
    ...(mode === 'representation' ? { point: run?.reprPoint ?? s.editor.reprPoint } : {}),
    ...(s.compare.enabled ? { compare: s.compare.knobs } : {}),
    ...(s.view.explain ? {} : { explain: false }),
    ...(s.view.present !== null ? { present: s.view.present } : {}),
  };
}

/** The hash of the whole state (for the copy-link button: with the frame). */
export function shareHash(s: AppState, withFrame = true): string {
  const config = linkedConfig(s, withFrame).config;
  const extras = extrasOf(s, withFrame);
  const hash = hashOf(config, s.view.head, extras);
  if (hash.length - 1 <= MAX_HASH_LENGTH) return hash;
  // Too long for a link (a deep chain, an edit of many strokes): the branch chain goes (the link opens the
  // branch's own settings from noise, linkCaveat says so), and the link keeps the rest rather than being ignored whole.
  return hashOf(config, s.view.head, { ...extras, branch: [] });
}

// ---------------------------------------------------------------------------------------------
// The field table: every key of a link in one row, read and written from there (TF Playground's
// `State.PROPS`). A row parses its text (null: invalid, with `valid` in the notice), formats its value,
// and names the keys it replaced (still read, never written; the new key wins when a link has both): a
// config row by name (the same text), a share extra as a Form of its own (another text, read into the row's value).
// Run-config rows with `clamp` go through sanitizeConfig, and a clamped value gets a notice. The order of
// the rows is the order of the keys in a link and of the notices.

/** How one key of a link is read: its name, its parser, and why a text was rejected ("valid: a, b" or what the key is). */
interface Form<T> {
  readonly key: string;
  readonly parse: (text: string) => T | null | undefined;
  readonly valid: string | ((text: string) => string);
}

interface Field<T> extends Form<T> {
  readonly parse: (text: string) => T | null;
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
 * parse returns undefined for a valid text that sets nothing (explain=1: the default). `valid` may name
 * what is wrong with the text itself (a branch chain: which run and which of its keys).
 */
interface ExtraField<P extends keyof ShareExtras = keyof ShareExtras> extends Form<NonNullable<ShareExtras[P]>> {
  readonly prop: P;
  readonly format: (value: NonNullable<ShareExtras[P]>, config: RunConfig) => string | null;
  readonly clamped?: (text: string, value: NonNullable<ShareExtras[P]>) => boolean;
  /** Keys this row replaced whose text had another form: read into the row's value, never written. */
  readonly oldForms?: readonly Form<NonNullable<ShareExtras[P]>>[];
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
  // Last, so that the keys of older links keep their order.
  config('spacing', { key: 'spacing', ...choice(SPACINGS) }),
];

const HEAD_FIELD: Field<Head> = { key: 'head', ...choice(AVAILABLE_HEADS) };

/** A latent edit (edit-codec.ts), as a run of a branch chain carries it (`*edit.<text>`). */
const EDIT_FIELD: Field<LatentEdit> = {
  key: 'edit',
  parse: decodeEdit,
  valid: 'not a latent edit: p<step>.<sample>_<2x>.<2y>.<size>.<100 × strength>…, or r<step>.<to step>',
  format: encodeEdit,
};

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
  extra('branch', {
    key: 'br',
    parse: (t) => readChain(t).levels,
    valid: (t) => readChain(t).problem,
    format: (levels, c) => (levels.length === 0 ? null : levels.map((l) => formatLevel(l, c)).join('~')),
    // The landed form of a chain of latent edits alone (`edit=p3.0_…*r8.2`): read as the chain it means.
    oldForms: [{ key: EDIT_FIELD.key, parse: legacyEdits, valid: `${EDIT_FIELD.valid}; at most ${MAX_BRANCH_LEVELS}, joined by *` }],
  }),
  extra('frame', { key: 'frame', parse: digits(6), valid: 'not a frame number', format: String }),
  extra('testIndex', { key: 'img', parse: digits(6), valid: 'not a test image number', format: String }),
  // explain=1 is the default: valid, and sets nothing.
  extra('explain', { key: 'explain', parse: accepts(v.pipe(v.picklist(['0', '1']), v.transform((t) => (t === '0' ? false : undefined)))), valid: 'valid: 0, 1', format: (e) => (e ? null : '0') }),
  extra('present', { key: 'present', ...choice(PRESENT_PANELS) }),
];

/** Every key a link may have (hashOf writes all but the old names). */
const KEYS: readonly string[] = [
  ...CONFIG_FIELDS.flatMap((f) => [f.key, ...(f.oldKeys ?? [])]),
  HEAD_FIELD.key,
  ...EXTRA_FIELDS.flatMap((f) => [f.key, ...(f.oldForms ?? []).map((o) => o.key)]),
];

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

// ---------------------------------------------------------------------------------------------
// Branch chains (`br`): a branch is its parent's run, the step it branches from and its own settings, so
// a chain of runs fits in a link. Each run of the chain is written as the field rows write its values.

/** The inputs of a branch chain's runs, each with its row of EXTRA_FIELDS. */
const LEVEL_INPUTS = ['testIndex', 'mask', 'sketch', 'point'] as const;
type LevelInput = (typeof LEVEL_INPUTS)[number];
const inputRow = (prop: LevelInput): ExtraField => EXTRA_FIELDS.find((f) => f.prop === prop)!;
/** The keys a run of a chain may have. */
const LEVEL_KEYS: readonly string[] = [...CONFIG_FIELDS.map((f) => f.key), ...LEVEL_INPUTS.map((p) => inputRow(p).key), EDIT_FIELD.key];

/** The inputs a run's mode took, as a link names them; null when the run's image was the user's own (no link carries it). */
function runInputs(run: RunSummary): Omit<BranchLevel, 'step' | 'config'> | null {
  if (modeUsesImage(run.mode) && run.testIndex === null) return null;
  return {
    ...(modeUsesImage(run.mode) && run.testIndex !== null ? { testIndex: run.testIndex } : {}),
    ...(run.mode === 'inpaint' && run.mask ? { mask: run.mask } : {}),
    ...(run.mode === 'sketch' && run.sketch
      ? { sketch: run.sketchIndex !== null ? { kind: 'test' as const, index: run.sketchIndex } : { kind: 'drawn' as const, sketch: run.sketch } }
      : {}),
    ...(run.mode === 'representation' && run.reprPoint !== null ? { point: run.reprPoint } : {}),
  };
}

/**
 * The branch chain of the run on screen: its ancestors in the history, root first, each with the step its
 * child branches from and what differs from the run shown. `complete` is false when the chain cannot go in
 * a link (an ancestor is gone, took the user's own image, or the chain is deeper than MAX_BRANCH_LEVELS).
 */
export function branchChain(s: AppState): { readonly levels: readonly BranchLevel[]; readonly complete: boolean } {
  const run = s.trajectory.run;
  const byId = new Map(s.history.nodes.map((n) => [n.runId, n]));
  const levels: BranchLevel[] = [];
  let node = run ? byId.get(run.runId) : undefined;
  if (!run || !node) return { levels, complete: true };
  const shown = sanitizeConfig(run);
  const shownInputs = runInputs(run) ?? {};
  while (node.parentId !== null) {
    const parent = byId.get(node.parentId);
    const inputs = parent ? runInputs(parent.summary) : null;
    if (!parent || inputs === null || levels.length >= MAX_BRANCH_LEVELS) return { levels, complete: false };
    const own = sanitizeConfig(parent.summary);
    const differs = CONFIG_FIELDS.filter((f) => f.format(own[f.field] as never) !== f.format(shown[f.field] as never));
    const level: Record<string, unknown> = { step: node.fromStep, config: Object.fromEntries(differs.map((f) => [f.field, own[f.field]])) };
    for (const prop of LEVEL_INPUTS) {
      const mine = inputs[prop];
      if (mine === undefined) continue;
      const theirs = shownInputs[prop];
      const row = inputRow(prop);
      if (theirs !== undefined && row.format(theirs, own) === row.format(mine, own)) continue;
      level[prop] = mine;
    }
    if (node.edit) level['edit'] = node.edit;
    levels.unshift(level as unknown as BranchLevel);
    node = parent;
  }
  return { levels, complete: true };
}

/** One run of a chain as text: `<step>*key.value*…` (the run shown's config fills in what the run leaves out). */
function formatLevel(level: BranchLevel, shown: RunConfig): string {
  const config = { ...shown, ...level.config };
  const parts = [String(level.step)];
  for (const f of CONFIG_FIELDS) {
    const v = level.config[f.field];
    if (v !== undefined) parts.push(`${f.key}.${f.format(v)}`);
  }
  for (const prop of LEVEL_INPUTS) {
    const v = level[prop];
    const text = v === undefined ? null : inputRow(prop).format(v, config);
    if (text !== null) parts.push(`${inputRow(prop).key}.${text}`);
  }
  if (level.edit) parts.push(`${EDIT_FIELD.key}.${EDIT_FIELD.format(level.edit)}`);
  return parts.join('*');
}

/**
 * A chain from its text, or null and what is wrong with it, naming the run and its key (the rows' parsers,
 * then sanitizeConfig: a value out of range is wrong too).
 */
function readChain(text: string): { readonly levels: BranchLevel[] | null; readonly problem: string } {
  const wrong = (problem: string) => ({ levels: null, problem });
  const runs = text.split('~');
  if (runs.length > MAX_BRANCH_LEVELS) return wrong(`valid: up to ${MAX_BRANCH_LEVELS} runs separated by ~, each a step and *key.value settings`);
  const levels: BranchLevel[] = [];
  for (const [i, r] of runs.entries()) {
    const at = `run ${i + 1}`;
    const [stepText = '', ...entries] = r.split('*');
    const step = digits(4)(stepText);
    if (step === null) return wrong(`${at}: ${shown(stepText)} is not a step; each run is a step, then *key.value settings`);
    const config: Record<string, unknown> = {};
    const level: Record<string, unknown> = { step, config };
    for (const entry of entries) {
      const dot = entry.indexOf('.');
      const key = dot < 0 ? entry : entry.slice(0, dot);
      const value = dot < 0 ? '' : entry.slice(dot + 1);
      const f = CONFIG_FIELDS.find((c) => c.key === key);
      const prop = key === EDIT_FIELD.key ? 'edit' : LEVEL_INPUTS.find((p) => inputRow(p).key === key);
      const row = f ?? (prop === 'edit' ? EDIT_FIELD : prop ? inputRow(prop) : null);
      if (row === null) return wrong(`${at}: ${shown(key)} is not a setting; valid: ${LEVEL_KEYS.join(', ')}`);
      if (f ? f.field in config : prop! in level) return wrong(`${at}: ${key} given twice`);
      const v = row.parse(value);
      if (v === null || v === undefined) return wrong(`${at}, ${key}: ${typeof row.valid === 'string' ? row.valid : row.valid(value)}`);
      if (f) config[f.field] = v;
      else level[prop!] = v;
    }
    const clean = sanitizeConfig({ ...DEFAULT_CONFIG, ...(config as Partial<RunConfig>) });
    const off = CONFIG_FIELDS.find((f) => f.field in config && clean[f.field] !== config[f.field]);
    if (off) return wrong(`${at}, ${off.key}: out of range`);
    levels.push(level as unknown as BranchLevel);
  }
  return { levels, problem: '' };
}

/**
 * The landed form of a chain of latent edits alone (`edit=<edit>*<edit>…`, root first, every run with the run
 * shown's settings), as the branch chain it means: one run per edit, its child branching where the edit starts
 * it (core's editStart). Null when any edit is malformed.
 */
export function legacyEdits(text: string): BranchLevel[] | null {
  const edits = text.split('*').map(decodeEdit);
  if (edits.length > MAX_BRANCH_LEVELS || !edits.every((e) => e !== null)) return null;
  return edits.map((edit) => ({ step: editStart(edit), config: {}, edit }));
}

/**
 * What a link of the state carries and what it cannot (said beside *Copy link* before copying): every
 * setting and the frame always; the test image, mask, sketch (drawn or not), map point, compare and a
 * branch's chain (its latent edits included) when they apply; never the user's own drawn or uploaded image.
 */
export function linkCaveat(s: AppState): { readonly carries: readonly string[]; readonly missing: readonly string[] } {
  const run = s.trajectory.frameCount > 0 ? s.trajectory.run : null;
  const mode = run?.mode ?? s.config.mode;
  const carries = ['every setting', 'the head drawn'];
  const missing: string[] = [];
  if (run) carries.push('the frame shown');
  if (modeUsesImage(mode)) {
    const own = run ? run.testIndex === null : s.editor.source !== 'test';
    if (own) missing.push('your own image (drawn or uploaded): no link carries it, so the link opens a bundled test image instead and shows another picture');
    else carries.push('the test image');
  }
  if (mode === 'inpaint') carries.push('the mask (a drawn one too)');
  if (mode === 'sketch') carries.push('the sketch (a drawn one too)');
  if (mode === 'representation') carries.push('the map point');
  if (s.compare.enabled) carries.push("compare B's settings");
  const chain = run ? branchChain(s) : null;
  if (chain && (chain.levels.length > 0 || !chain.complete)) {
    const fits = chain.complete && shareHash(s, true).includes('br=');
    const n = chain.levels.length;
    const edits = chain.levels.filter((l) => l.edit).length;
    const edited = edits === 0 ? '' : `, ${edits} latent edit${edits === 1 ? '' : 's'}`;
    if (fits) carries.push(`the branch chain (${n} run${n === 1 ? '' : 's'} before this one${edited}, replayed when the link opens)`);
    else missing.push("this branch's chain (too deep, too long, or a run of it took your own image): the link opens this branch's settings from noise, another picture");
  }
  return { carries, missing };
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
  /** The row's value from the link (under its key, else an old one, each read its own way), null when absent or invalid. */
  const read = <T>(forms: readonly Form<T>[]): { key: string; text: string; value: T | null | undefined } | null => {
    let used: { key: string; text: string; value: T | null | undefined } | null = null;
    for (const { key, parse, valid } of forms) {
      const text = p.get(key);
      if (text === null) continue;
      if (used !== null) {
        notices.push(`Ignored ${key} = ${shown(text)} from the link: it is the old name of ${used.key}, which the link also has.`);
        continue;
      }
      used = { key, text, value: parse(text) };
      if (used.value === null) notices.push(`Ignored ${key} = ${shown(text)} from the link (${typeof valid === 'string' ? valid : valid(text)}).`);
    }
    return used;
  };
  // The run config: round-trip through the sanitiser, keeping only the keys the hash named; say what was clamped.
  const config: Partial<Record<keyof RunConfig, unknown>> = {};
  const given: [ConfigField, string][] = [];
  for (const f of CONFIG_FIELDS) {
    const r = read<unknown>([f, ...(f.oldKeys ?? []).map((key) => ({ ...f, key }))]);
    if (r === null || r.value === null || r.value === undefined) continue;
    config[f.field] = r.value;
    if (f.clamp) given.push([f, r.key]);
  }
  const clean = sanitizeConfig({ ...DEFAULT_CONFIG, ...(config as Partial<RunConfig>) });
  const out: Partial<RunConfig> = Object.fromEntries(Object.keys(config).map((k) => [k, clean[k as keyof RunConfig]]));
  for (const [f, key] of given) {
    if (config[f.field] === clean[f.field]) continue;
    // steps below the sampler's fewest (DPM++ 2M with 1 step): say why.
    const few = f.field === 'steps' && typeof config.steps === 'number' && config.steps >= 1 && Math.round(config.steps) < clean.steps;
    const why = few ? stepCountProblem(clean.sampler, Math.round(config.steps as number), Number.MAX_SAFE_INTEGER) : null;
    notices.push(why !== null ? `${why}; using ${clean.steps}.` : `${key} = ${shown(String(config[f.field]))} is out of range; using ${String(clean[f.field])}.`);
  }
  const head = read([HEAD_FIELD])?.value ?? undefined;
  // The mode's input and the share extras.
  const extras: Record<string, unknown> = {};
  for (const f of EXTRA_FIELDS) {
    const r = read([f, ...(f.oldForms ?? [])]);
    if (r === null || r.value === null || r.value === undefined) continue;
    extras[f.prop] = r.value;
    if (f.clamped?.(r.text, r.value)) notices.push(`${f.key} = ${shown(r.text)} is out of range; using ${String(f.format(r.value, clean))}.`);
  }
  return { config: out, notices, ...(head !== undefined ? { head } : {}), ...(extras as ShareExtras) };
}

/** What a run of a link takes from the editor, applied before it starts (only the inputs its mode uses). */
function applyInputs(store: AppStore, mode: RunConfig['mode'], inputs: Omit<BranchLevel, 'step' | 'config'>): void {
  const { actions } = store.getState();
  if (modeUsesImage(mode) && inputs.testIndex !== undefined) actions.pickTestImage(inputs.testIndex);
  if (mode === 'inpaint' && inputs.mask) store.setState((s) => ({ editor: { ...s.editor, mask: inputs.mask!.slice() } }));
  if (mode === 'sketch' && inputs.sketch?.kind === 'test') actions.pickSketchImage(inputs.sketch.index);
  if (mode === 'sketch' && inputs.sketch?.kind === 'drawn') actions.setSketch(inputs.sketch.sketch);
  if (mode === 'representation' && inputs.point !== undefined) actions.pickReprPoint(inputs.point);
}

/** The editor's inputs now, as a link names them (the run shown's, once a link has been applied). */
function editorInputs(s: AppState): Omit<BranchLevel, 'step' | 'config'> {
  const { editor } = s;
  return {
    ...(editor.source === 'test' ? { testIndex: editor.testIndex } : {}),
    mask: editor.mask.slice(),
    sketch: editor.sketchSource === 'test' ? { kind: 'test', index: editor.testIndex } : { kind: 'drawn', sketch: editor.sketchDrawn.slice() },
    point: editor.reprPoint,
  };
}

/**
 * A link with a frame or a branch chain: once the engine and the mode's input (the test images, the
 * representation map) are ready, make the runs of the chain (generate its root, then branch each run from
 * its step with the next run's settings and inputs, or, where the chain names a latent edit, apply that edit
 * to it (branchWithEdit: the run's own settings, its frame edited), each once the run before is done), then
 * the run shown (the link's own settings), and stop on the frame (the last frame, with a notice, when the run
 * has fewer; the last frame when the link names none). An edit that does not fit its run (core's editProblem)
 * stops the chain there with a notice: the runs so far stay. Returns the unsubscribe function.
 */
function restoreFrame(store: AppStore, frame: number | null, chain: readonly BranchLevel[]): () => void {
  let phase: 'wait' | 'starting' | 'running' | 'done' = 'wait';
  let runId: string | null = null;
  /** The run of the chain being made (chain.length: the run shown). */
  let level = 0;
  let shown: { config: RunConfig; inputs: Omit<BranchLevel, 'step' | 'config'> } | null = null;
  const stopWith = (notice: string) => {
    phase = 'done';
    store.getState().actions.notify(notice, 'warning');
    stop();
  };
  const fail = (why: string) => stopWith(`The link's branch could not be replayed: ${why}`);
  /** Starts run `level` of the chain (the root with generate, every other one as a branch of the run before). */
  const start = (): void => {
    const s = store.getState();
    shown ??= { config: s.config, inputs: editorInputs(s) };
    const own = chain[level];
    const config = sanitizeConfig({ ...shown.config, ...(own?.config ?? {}) });
    phase = 'starting'; // the actions below update the store synchronously: ignore those updates here
    s.actions.setConfig(config);
    const { testIndex, mask, sketch, point } = own ?? {};
    applyInputs(store, config.mode, {
      ...shown.inputs,
      ...(testIndex !== undefined ? { testIndex } : {}),
      ...(mask ? { mask } : {}),
      ...(sketch ? { sketch } : {}),
      ...(point !== undefined ? { point } : {}),
    });
    const before = store.getState().trajectory.runId;
    const parent = chain[level - 1];
    if (level === 0) void s.actions.generate();
    else if (parent?.edit) {
      const problem = s.actions.branchWithEdit(parent.edit);
      if (problem !== null) {
        const what = `${describeEdit(parent.edit)}, run ${level + 1} of ${chain.length + 1}`;
        return stopWith(`The link's latent edit (${what}) was not applied: ${problem} The runs before it stay.`);
      }
    } else void s.actions.branch(parent!.step);
    runId = store.getState().trajectory.runId;
    if (runId === before) {
      if (level === 0) phase = 'wait';
      else fail(store.getState().trajectory.error?.message ?? `no branch from step ${parent!.step}.`);
      return;
    }
    phase = 'running';
    check();
  };
  const check = (): void => {
    const s = store.getState();
    if (phase === 'starting' || phase === 'done') return;
    if (phase === 'wait') {
      if (!readyToReplay(s)) return;
      start();
      return;
    }
    if (s.trajectory.runId !== runId) {
      phase = 'done'; // the user started something else
      stop();
      return;
    }
    if (level < chain.length) {
      // A run of the chain: branch from it once it is done.
      if (s.trajectory.status === 'running') return;
      if (s.trajectory.status !== 'done') return fail(`a run of its chain ended ${s.trajectory.status}.`);
      level++;
      start();
      return;
    }
    const last = s.trajectory.expectedFrames - 1;
    const target = Math.min(frame ?? last, last);
    if (s.trajectory.frameCount > target) {
      phase = 'done';
      if (frame !== null && target < frame) s.actions.notify(`frame = "${frame}" is past the run's last frame; showing frame ${target}.`, 'warning');
      s.actions.seek(target);
      stop();
    }
  };
  const stop = store.subscribe(check);
  queueMicrotask(check);
  return stop;
}

/** A link's replay may start its first run: the engine is ready and the mode's input has loaded. */
function readyToReplay(s: AppState): boolean {
  if (s.engine.status !== 'ready' || s.engine.switching) return false;
  if (modeUsesImage(s.config.mode) && s.samples.status !== 'ready') return false;
  return !(missingInput(s) !== null && s.samples.status === 'loading');
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
 * a frame runs the trajectory and stops there, a branch chain (latent edits included) is replayed first
 * (restoreFrame); its notices become store notices), then keeps the hash in
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
  if (initial.present) actions.setPresent(initial.present);
  for (const text of initial.notices) actions.notify(text, 'warning');
  const stopIndices = checkIndices(store, initial);
  const chain = initial.branch ?? [];
  const stopRestore = initial.frame !== undefined || chain.length > 0 ? restoreFrame(store, initial.frame ?? null, chain) : () => undefined;
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
