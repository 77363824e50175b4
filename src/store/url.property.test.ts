/**
 * Property tests of the share-link codec (url.ts): random and mutated links never throw, every value
 * they set lies inside its documented range (state.ts CONFIG_LIMITS, RunConfigSchema), every key they
 * do not use gets a notice that names it, and parse is the inverse of format on every valid state.
 */
import * as fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { MAX_SEED } from '../core/rng.ts';
import { MASK_CELLS } from './share.ts';
import { X0_SOURCES } from '../engine/protocol.ts';
import { AVAILABLE_HEADS, AVAILABLE_MODES, CONFIG_LIMITS, CompareKnobsSchema, DEFAULT_CONFIG, PRESENT_PANELS, RunConfigSchema, SAMPLERS, SAMPLER_INFO, SPACINGS, type RunConfig } from './state.ts';
import { MAX_HASH_LENGTH, hashOf, parseHash, type HashState, type ShareExtras } from './url.ts';

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
};

/** The sentences a link's notices are made of. */
const NOTICE = [
  /^Ignored (a setting|settings) this page does not have: ".*"(, ".*")*…?\.$/s,
  /^Ignored \S+ = ".*" from the link \((valid: .+|not a .+)\)\.$/s,
  /^Ignored \S+ = ".*" from the link: it is the old name of \S+, which the link also has\.$/s,
  /^\S+ = ".*" is out of range; using \S+\.$/s,
  /^steps: .+ needs at least \d+ steps \(.+\), got \d+; using \d+\.$/,
  /^The link's settings are \d+ characters long \(at most \d+\); they were ignored\.$/,
];

/** How a notice quotes a value from the link (its first 32 characters; url.ts cuts longer ones). */
const shown = (t: string): string => JSON.stringify(t.replace(/\s+/g, ' ').slice(0, 32)).slice(0, -1);

/** Every value a parsed link sets lies inside its documented range. */
function expectInRange(h: HashState): void {
  expect(v.is(v.partial(RunConfigSchema), h.config)).toBe(true);
  if (h.head !== undefined) expect(AVAILABLE_HEADS).toContain(h.head);
  if (h.compare !== undefined) expect(v.is(CompareKnobsSchema, h.compare)).toBe(true);
  for (const n of [h.frame, h.testIndex]) if (n !== undefined) expect(Number.isInteger(n) && n >= 0 && n <= 999_999).toBe(true);
  if (h.point !== undefined) expect(Number.isInteger(h.point) && h.point >= 0 && h.point <= 999_999_999).toBe(true);
  const binary = (a: Float32Array) => a.length === MASK_CELLS && a.every((x) => x === 0 || x === 1);
  if (h.mask !== undefined) expect(binary(h.mask)).toBe(true);
  if (h.sketch?.kind === 'drawn') expect(binary(h.sketch.sketch)).toBe(true);
  if (h.sketch?.kind === 'test') expect(Number.isInteger(h.sketch.index) && h.sketch.index >= 0).toBe(true);
  if (h.explain !== undefined) expect(h.explain).toBe(false);
  for (const n of h.notices) expect(NOTICE.some((re) => re.test(n)), n).toBe(true);
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
  it('is the identity on 2,000 valid states, with no notice', () => {
    fc.assert(
      fc.property(validState, ({ config, head, extras }) => {
        expect(v.is(RunConfigSchema, config)).toBe(true);
        const hash = hashOf(config, head, extras);
        expect(hash.length).toBeLessThan(MAX_HASH_LENGTH);
        const parsed = parseHash(hash);
        // A mode's input is written in its own mode only.
        const { sketch, point, ...rest } = extras;
        const written = { ...rest, ...(config.mode === 'sketch' && sketch ? { sketch } : {}), ...(config.mode === 'representation' && point !== undefined ? { point } : {}) };
        expect(plain(parsed)).toEqual(plain({ config, head, notices: [], ...written }));
        expect(hashOf(config, head, parsed)).toBe(hash);
      }),
      { numRuns: 2000, seed: 14 },
    );
  });
});

describe('share links: 10,000 random and mutated links', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('', ' ', '0', '1', '-1', '1e3', '1.5', '-0', 'NaN', 'Infinity', '0x10', '%', '%zz', '+', '~', 't', 'd', 'r', 'b', 'r1.zz', 'r0.sg', 't-1', 'ddim~0~0~50', 'x~1~2~3~4~5'),
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

  it('never throw; every value in range; every key not used is named in a notice; parse(format(parse)) is stable', () => {
    let noticed = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: random }), (hash) => {
        const parsed = parseHash(hash);
        expectInRange(parsed);
        if (parsed.notices.length > 0) noticed++;
        const raw = hash.replace(/^#/, '');
        if (raw.length > MAX_HASH_LENGTH) {
          expect(parsed).toEqual({ config: {}, notices: [expect.stringMatching(/characters long/)] });
          return;
        }
        const notices = parsed.notices.join('\n');
        const keys = [...new Set(new URLSearchParams(raw).keys())];
        const unknown = keys.filter((k) => !(k in LANDS));
        if (unknown.length > 0) expect(notices).toMatch(/this page does not have/);
        for (const k of unknown.slice(0, 5)) expect(notices).toContain(shown(k));
        for (const k of keys.filter((k) => k in LANDS)) {
          const used = LANDS[k]!(parsed) !== undefined || (k === 'explain' && new URLSearchParams(raw).get(k) === '1');
          // A key whose value was not taken as it stands says so (rejected, clamped or replaced by its new name).
          if (!used) expect(notices).toContain(`${k} = `);
        }
        // The state a link gives writes a link that gives it again, now without notices.
        const config = { ...DEFAULT_CONFIG, ...parsed.config };
        const again = parseHash(hashOf(config, parsed.head ?? 'z', parsed));
        expect(again.notices).toEqual([]);
        expect(again.config).toEqual(config);
      }),
      { numRuns: 10_000, seed: 14 },
    );
    expect(noticed).toBeGreaterThan(5_000);
  });
});
