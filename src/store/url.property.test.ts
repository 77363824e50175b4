/**
 * Property tests of the share-link codec (url.ts): random and mutated links never throw, every value
 * they set lies inside its documented range (state.ts CONFIG_LIMITS, RunConfigSchema), every key they
 * do not use gets a notice that names it, and parse is the inverse of format on every valid state (branch
 * chains with latent edits mixed in among their setting branches included).
 */
import * as fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { MAX_SEED } from '../core/rng.ts';
import { MASK_CELLS } from './share.ts';
import { X0_SOURCES } from '../engine/protocol.ts';
import { AVAILABLE_HEADS, AVAILABLE_MODES, CONFIG_LIMITS, CompareKnobsSchema, DEFAULT_CONFIG, PRESENT_PANELS, RunConfigSchema, SAMPLERS, SAMPLER_INFO, SPACINGS, type RunConfig } from './state.ts';
import { EDIT_LIMITS, type LatentEdit } from '../core/latent-edit.ts';
import { MAX_HASH_LENGTH, hashOf, parseHash, type BranchLevel, type HashState, type ShareExtras } from './url.ts';

const number = (key: keyof typeof CONFIG_LIMITS): fc.Arbitrary<number> => {
  const { min, max, integer } = CONFIG_LIMITS[key];
  return integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true }).map((x) => x + 0); // no -0
};

const validConfig: fc.Arbitrary<RunConfig> = fc.record({
  mode: fc.constantFrom(...AVAILABLE_MODES),
  sampler: fc.constantFrom(...SAMPLERS),
  steps: number('steps'),
  eta: number('eta'),
  seed: number('seed'),
  batch: fc.constantFrom(1 as const, 16 as const),
  classId: number('classId'),
  labelGuidance: number('labelGuidance'),
  driftGuidance: number('driftGuidance'),
  labelCommit: number('labelCommit'),
  clipX0: fc.boolean(),
  paste: fc.boolean(),
  x0From: fc.constantFrom(...X0_SOURCES),
  spacing: fc.constantFrom(...SPACINGS),
}).map((c) => ({ ...c, steps: Math.max(SAMPLER_INFO[c.sampler].minSteps, c.steps) })); // a sampler's fewest steps

/** Random cells in {0, 1} (128 random bytes, one bit a cell). */
const bits = fc.uint8Array({ minLength: MASK_CELLS / 8, maxLength: MASK_CELLS / 8 }).map((b) => Float32Array.from({ length: MASK_CELLS }, (_, i) => (b[i >> 3]! >> (i & 7)) & 1));
/** A mask of a few rectangles (short run-length links) or of random cells (bit links). */
const mask = fc.oneof(
  bits,
  fc.tuple(fc.nat(31), fc.nat(31), fc.nat(31), fc.nat(31)).map(([r0, r1, c0, c1]) => {
    const m = new Float32Array(MASK_CELLS).fill(1);
    for (let r = Math.min(r0, r1); r <= Math.max(r0, r1); r++) m.fill(0, r * 32 + Math.min(c0, c1), r * 32 + Math.max(c0, c1) + 1);
    return m;
  }),
);

/** A latent edit on the grid a link writes (edit-codec.ts): half pixels, whole radii, hundredths of strength. */
const latentEdit: fc.Arbitrary<LatentEdit> = fc.oneof(
  fc.record({
    kind: fc.constant('paint' as const),
    at: fc.nat(9999),
    sample: fc.nat(15),
    dabs: fc.array(
      fc.record({ x: fc.integer({ min: 0, max: 64 }).map((n) => n / 2), y: fc.integer({ min: 0, max: 64 }).map((n) => n / 2), r: fc.integer({ min: 1, max: 8 }), s: fc.integer({ min: -200, max: 200 }).map((n) => n / 100 + 0) }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
  fc.record({ kind: fc.constant('renoise' as const), at: fc.nat(9999), to: fc.nat(9999) }),
);

/** A run of a branch chain: up to two settings of its own (steps with its sampler: a sampler's fewest steps), a test image, or the latent edit its child was made with. */
const chainLevel: fc.Arbitrary<BranchLevel> = fc
  .record({ step: fc.nat(9999), config: validConfig, keys: fc.subarray(['sampler', 'steps', 'seed', 'eta', 'clipX0', 'x0From'] as const, { maxLength: 2 }), testIndex: fc.option(fc.nat(999), { nil: undefined }), edit: fc.option(latentEdit, { nil: undefined }) })
  .map(({ step, config, keys, testIndex, edit }) => ({
    step,
    config: Object.fromEntries(keys.flatMap((k): [keyof RunConfig, unknown][] => (k === 'steps' ? [['steps', config.steps], ['sampler', config.sampler]] : [[k, config[k]]]))),
    ...(testIndex !== undefined ? { testIndex } : {}),
    ...(edit !== undefined ? { edit } : {}),
  }));

const validExtras: fc.Arbitrary<ShareExtras> = fc.record(
  {
    frame: fc.nat(999_999),
    testIndex: fc.nat(999_999),
    mask,
    sketch: fc.oneof(fc.nat(999_999_999).map((index) => ({ kind: 'test' as const, index })), bits.map((sketch) => ({ kind: 'drawn' as const, sketch }))),
    point: fc.nat(999_999_999),
    compare: fc
      .record({ sampler: fc.constantFrom(...SAMPLERS), eta: number('eta'), labelGuidance: number('labelGuidance'), driftGuidance: number('driftGuidance'), steps: number('steps') })
      .map((k) => ({ ...k, steps: Math.max(SAMPLER_INFO[k.sampler].minSteps, k.steps) })),
    explain: fc.constant(false),
    present: fc.constantFrom(...PRESENT_PANELS),
    branch: fc.array(chainLevel, { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: [] },
);

const validState = fc.record({ config: validConfig, head: fc.constantFrom(...AVAILABLE_HEADS), extras: validExtras });

/** Where each key of a link lands in a HashState (url.ts's field table, read from the outside). */
const LANDS: Record<string, (h: HashState) => unknown> = {
  mode: (h) => h.config.mode,
  sampler: (h) => h.config.sampler,
  steps: (h) => h.config.steps,
  eta: (h) => h.config.eta,
  seed: (h) => h.config.seed,
  batch: (h) => h.config.batch,
  class: (h) => h.config.classId,
  lg: (h) => h.config.labelGuidance,
  guidance: (h) => h.config.labelGuidance,
  dg: (h) => h.config.driftGuidance,
  lc: (h) => h.config.labelCommit,
  clip: (h) => h.config.clipX0,
  paste: (h) => h.config.paste,
  x0: (h) => h.config.x0From,
  spacing: (h) => h.config.spacing,
  head: (h) => h.head,
  sketch: (h) => h.sketch,
  point: (h) => h.point,
  mask: (h) => h.mask,
  cmp: (h) => h.compare,
  frame: (h) => h.frame,
  img: (h) => h.testIndex,
  explain: (h) => h.explain,
  present: (h) => h.present,
  br: (h) => h.branch,
  edit: (h) => h.branch, // the landed form of a chain of latent edits alone, read as a branch chain
};

/** The sentences a link's notices are made of. */
const NOTICE = [
  /^Ignored (a setting|settings) this page does not have: ".*"(, ".*")*…?\.$/s,
  /^Ignored \S+ = ".*" from the link \((valid: .+|not a .+|run \d+[:,] .+)\)\.$/s,
  /^Ignored \S+ = ".*" from the link: it is the old name of \S+, which the link also has\.$/s,
  /^\S+ = ".*" is out of range; using \S+\.$/s,
  /^steps: .+ needs at least \d+ steps \(.+\), got \d+; using \d+\.$/,
  /^The link's settings are \d+ characters long \(at most \d+\); they were ignored\.$/,
];

/** How a notice quotes a value from the link (its first 32 characters; url.ts cuts longer ones). */
const shown = (t: string): string => JSON.stringify(t.replace(/\s+/g, ' ').slice(0, 32)).slice(0, -1);

/** Throws `what` unless `ok` (plain checks: vitest's expect costs more than the codec itself, 10,000 times). */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

const PartialConfigSchema = v.partial(RunConfigSchema);
const binary = (a: Float32Array): boolean => a.length === MASK_CELLS && a.every((x) => x === 0 || x === 1);
const within = (n: number | undefined, max: number): boolean => n === undefined || (Number.isInteger(n) && n >= 0 && n <= max);

/** Every value a parsed link sets lies inside its documented range; every notice is one of NOTICE's sentences. */
function checkInRange(h: HashState): void {
  check(v.is(PartialConfigSchema, h.config), `config out of range: ${JSON.stringify(h.config)}`);
  check(h.head === undefined || AVAILABLE_HEADS.includes(h.head), `head ${h.head}`);
  check(h.compare === undefined || v.is(CompareKnobsSchema, h.compare), `compare ${JSON.stringify(h.compare)}`);
  check(within(h.frame, 999_999) && within(h.testIndex, 999_999) && within(h.point, 999_999_999), 'an index out of range');
  check(h.mask === undefined || binary(h.mask), 'mask not 1024 cells of 0 / 1');
  check(h.sketch?.kind !== 'drawn' || binary(h.sketch.sketch), 'sketch not 1024 cells of 0 / 1');
  check(h.sketch?.kind !== 'test' || within(h.sketch.index, Number.MAX_SAFE_INTEGER), 'sketch image index');
  check(h.explain === undefined || h.explain === false, 'explain');
  for (const l of h.branch ?? []) {
    check(within(l.step, 9999) && v.is(PartialConfigSchema, l.config) && within(l.testIndex, 999_999) && within(l.point, 999_999_999), `a chain run out of range: ${JSON.stringify(l)}`);
    check(l.mask === undefined || binary(l.mask), 'a chain run\'s mask');
    const e = l.edit;
    check(e === undefined || within(e.at, 9999) && (e.kind === 'renoise' ? within(e.to, 9999) : within(e.sample, 9999) && e.dabs.length >= 1 && e.dabs.length <= EDIT_LIMITS.maxDabs), `a chain run's edit: ${JSON.stringify(e)}`);
  }
  for (const n of h.notices) check(NOTICE.some((re) => re.test(n)), `not a notice sentence: ${n}`);
}

/** JSON with sorted keys: two states compare equal when this text does. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );
}

/** The state with its 1024-cell arrays as strings of cells (vitest compares a typed array cell by cell, slowly). */
function plain<T extends ShareExtras>(h: T): unknown {
  const cells = (a: Float32Array) => a.join('');
  return {
    ...h,
    ...(h.mask ? { mask: cells(h.mask) } : {}),
    ...(h.sketch?.kind === 'drawn' ? { sketch: { kind: 'drawn', sketch: cells(h.sketch.sketch) } } : {}),
  };
}

describe('share links: format then parse', () => {
  it('is the identity on 2,000 valid states, with no notice', { timeout: 180_000 }, () => {
    fc.assert(
      fc.property(validState, ({ config, head, extras }) => {
        check(v.is(RunConfigSchema, config), 'the arbitrary made an invalid config');
        const hash = hashOf(config, head, extras);
        check(hash.length < MAX_HASH_LENGTH, `a valid state's link is ${hash.length} characters long`);
        const parsed = parseHash(hash);
        // A mode's input is written in its own mode only.
        const { sketch, point, ...rest } = extras;
        const written = { ...rest, ...(config.mode === 'sketch' && sketch ? { sketch } : {}), ...(config.mode === 'representation' && point !== undefined ? { point } : {}) };
        const want = canonical(plain({ config, head, notices: [], ...written }));
        check(canonical(plain(parsed)) === want, `parse(format(state)) differs from the state: ${canonical(plain(parsed))} != ${want}`);
        check(hashOf(config, head, parsed) === hash, 'format(parse(link)) differs from the link');
      }),
      { numRuns: 2000, seed: 14 },
    );
  });
});

describe('share links: 10,000 random and mutated links', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('', ' ', '0', '1', '-1', '1e3', '1.5', '-0', 'NaN', 'Infinity', '0x10', '%', '%zz', '+', '~', 't', 'd', 'r', 'b', 'r1.zz', 'r0.sg', 't-1', 'ddim~0~0~50', 'x~1~2~3~4~5', 'r4.1', 'r4.1*p3.0_20.20.2.100', 'p3.0_1.2', '2*edit.r4.1', '2*seed.5~3*edit.r9.1', '2*edit.x'),
    fc.integer({ min: -2, max: MAX_SEED + 2 }).map(String),
    fc.double({ noNaN: false }).map(String),
  );
  type Edit = { key: string; value: string | null } | { cut: number } | { raw: string };
  const key = fc.oneof(fc.constantFrom(...Object.keys(LANDS)), fc.string({ minLength: 1, maxLength: 6 }));
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ key, value: fc.option(text, { nil: null }) }),
    fc.record({ cut: fc.nat(400) }),
    fc.record({ raw: fc.string({ maxLength: 20 }) }),
  );
  const mutated = fc.tuple(validState, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([{ config, head, extras }, edits]) => {
    let hash = hashOf(config, head, extras);
    for (const e of edits) {
      if ('cut' in e) hash = hash.slice(0, e.cut);
      else if ('raw' in e) hash = `${hash}&${e.raw}`;
      else {
        const p = new URLSearchParams(hash.slice(1));
        if (e.value === null) p.delete(e.key);
        else p.set(e.key, e.value);
        hash = `#${p.toString()}`;
      }
    }
    return hash;
  });
  const random = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ minLength: MAX_HASH_LENGTH - 5, maxLength: MAX_HASH_LENGTH + 40 }));

  // Seconds on an idle core; the timeout is for a machine shared by many jobs.
  it('never throw; every value in range; every key not used is named in a notice; parse(format(parse)) is stable', { timeout: 180_000 }, () => {
    let noticed = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: random }), (hash) => {
        const parsed = parseHash(hash);
        checkInRange(parsed);
        if (parsed.notices.length > 0) noticed++;
        const raw = hash.replace(/^#/, '');
        if (raw.length > MAX_HASH_LENGTH) {
          check(Object.keys(parsed).length === 2 && Object.keys(parsed.config).length === 0, 'an over-long link set something');
          check(parsed.notices.length === 1 && /characters long/.test(parsed.notices[0]!), 'an over-long link without its one notice');
          return;
        }
        const notices = parsed.notices.join('\n');
        const params = new URLSearchParams(raw);
        const keys = [...new Set(params.keys())];
        const unknown = keys.filter((k) => !(k in LANDS));
        check(unknown.length === 0 || notices.includes('this page does not have'), 'unknown keys without a notice');
        for (const k of unknown.slice(0, 5)) check(notices.includes(shown(k)), `unknown key ${k} not named`);
        for (const k of keys.filter((k) => k in LANDS)) {
          const used = LANDS[k]!(parsed) !== undefined || (k === 'explain' && params.get(k) === '1');
          // A key whose value was not taken as it stands says so (rejected, clamped or replaced by its new name).
          check(used || notices.includes(`${k} = `), `${k} = ${params.get(k)} dropped without a notice`);
        }
        // The state a link gives writes a link that gives it again, now without notices.
        const config = { ...DEFAULT_CONFIG, ...parsed.config };
        const again = parseHash(hashOf(config, parsed.head ?? 'z', parsed));
        check(again.notices.length === 0, `notices on the second parse: ${again.notices.join(' | ')}`);
        check(canonical(again.config) === canonical(config), 'the second parse gives another config');
      }),
      { numRuns: 10_000, seed: 14 },
    );
    expect(noticed).toBeGreaterThan(5_000);
  });
});
