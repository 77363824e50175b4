import * as fc from 'fast-check';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from './config.ts';
import { WeightsError } from './errors.ts';
import { describeIssue, fields, finite, integer, parseWith, pathText } from './schema.ts';
import { applyEdits, editablePaths, readRepoJson, type JsonEdit } from './testing.ts';
import { parseManifest } from './weights.ts';

let manifest: Record<string, unknown>;
beforeAll(async () => {
  manifest = (await readRepoJson('public/weights/model.json')) as Record<string, unknown>;
});

describe('schema messages', () => {
  it('name the field by its path, the value quoted', () => {
    expect(pathText('config', [])).toBe('config');
    const Point = fields({ x: integer(0), tags: v.array(v.string('a string')) });
    const fail = (value: unknown, wholeArrays = false) => {
      const r = parseWith(Point, value, { root: 'p', wholeArrays });
      return r.ok ? 'ok' : r.failure.message;
    };
    expect(fail({ x: -1, tags: [] })).toBe('p.x must be an integer >= 0, got -1');
    expect(fail({ tags: [] })).toBe('p.x must be an integer >= 0, got undefined');
    expect(fail({ x: 1, tags: ['a', 2] })).toBe('p.tags[1] must be a string, got 2');
    expect(fail({ x: 1, tags: ['a', 2] }, true)).toBe('p.tags must be a string, got ["a",2]');
    expect(fail([1])).toBe('p must be an object, got [1]');
    expect(fail({ x: 1, tags: [] })).toBe('ok');
  });

  it('fill a sentence template from the path, the holder and the value', () => {
    const Spec = fields({ name: v.string(), shape: v.array(v.number(), "=weight '{name}' at {parent} has shape {got}") });
    const r = v.safeParse(v.object({ 'a-b': Spec }), { 'a-b': { name: 'k', shape: 'x' } });
    expect(r.success).toBe(false);
    if (!r.success) expect(describeIssue(r.issues[0], { root: '' })).toEqual({ message: `weight 'k' at ['a-b'] has shape "x"`, path: "['a-b'].shape", name: 'k' });
  });

  it('cut long values at 80 characters', () => {
    const r = parseWith(finite(), 'y'.repeat(200), { root: 'n' });
    expect(r.ok ? '' : r.failure.message).toBe(`n must be a finite number, got "${'y'.repeat(76)}...`);
  });
});

describe('model.json: config fields keep their messages', () => {
  const config = () => structuredClone(manifest['config']) as Record<string, Record<string, unknown>>;
  const message = (edit: (c: Record<string, Record<string, unknown>>) => void): string => {
    const c = config();
    edit(c);
    try {
      validateConfig(c);
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(WeightsError);
      return `${(e as WeightsError).kind}: ${(e as Error).message}`;
    }
  };
  it('one message per kind of mistake', () => {
    expect(message(() => undefined)).toBe('ok');
    expect(message((c) => delete c['imageSize'])).toBe('format: model.json: config.imageSize must be an integer >= 4, got undefined');
    expect(message((c) => (c['pad'] = 3 as never))).toBe('format: model.json: config.imageSize (32) must equal dataSize + 2 pad (34)');
    expect(message((c) => (c['schedule']!['betaEnd'] = 1))).toBe('format: model.json: config.schedule.betaEnd must be a number in (0, 1), got 1');
    expect(message((c) => (c['schedule']!['type'] = 'sigmoid'))).toBe("format: model.json: config.schedule.type must be 'linear' or 'cosine', got \"sigmoid\"");
    expect(message((c) => (c['drift'] = [] as never))).toBe('format: model.json: config.drift must be an object, got []');
    expect(message((c) => (c['heads']!['names'] = ['eps']))).toBe(
      'format: model.json: config.heads.names must be the heads this build implements (eps, label, masked, sketch, repr), got ["eps"]',
    );
    expect(message((c) => (c['backbone']!['timeFreqDim'] = 63))).toBe('format: model.json: config.backbone.timeFreqDim must be even ([sin, cos] halves), got 63');
    expect(message((c) => (c['loss']!['eps'] = 'x'))).toBe('format: model.json: config.loss.eps must be a finite number, got "x"');
    expect(message((c) => (c['encoders']!['carrier'] = { kind: 'checkerboard', gain: 17 }))).toBe(
      'format: model.json: config.encoders.carrier.gain must be a number in (0, 16], got 17',
    );
    expect(message((c) => (c['configVersion'] = 2 as never))).toBe('version: model.json: unsupported config.configVersion 2 (this build reads configVersion 1)');
  });

  it('returns only the fields it knows, in the build order of the names', () => {
    const c = config();
    c['heads']!['names'] = ['repr', 'sketch', 'masked', 'label', 'eps'];
    const out = validateConfig(c);
    expect(out.heads.names).toEqual(['eps', 'label', 'masked', 'sketch', 'repr']);
    expect('training' in out).toBe(false);
  });
});

describe('model.json: 1,000 mutated files', () => {
  it('end in a parsed manifest or a WeightsError naming the file and the field, never another exception', () => {
    const paths = editablePaths(manifest);
    const odd = fc.constantFrom<unknown>(0, -1, 0.5, 1.5, 31, 1e9, -0, '', 'x', 'float16', null, true, [], {}, [1, 2, 3], '../x.bin');
    const edit: fc.Arbitrary<JsonEdit> = fc.oneof(
      fc.record({ path: fc.constantFrom(...paths), delete: fc.constant(true as const) }),
      fc.record({ path: fc.constantFrom(...paths), value: fc.oneof(odd, fc.jsonValue({ maxDepth: 2 })) }),
    );
    const counts = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        const doc = applyEdits(manifest, edits);
        let parsed: ReturnType<typeof parseManifest>;
        try {
          parsed = parseManifest(doc);
        } catch (e) {
          counts.rejected++;
          if (!(e instanceof WeightsError)) throw e; // an uncaught exception: a TypeError, a RangeError...
          expect(e.file).toBe('model.json');
          expect(['format', 'version', 'shape', 'dtype']).toContain(e.kind);
          // A specific sentence: the file, then a field, a weight or a shard by name; no template left over,
          // no valibot default ("Invalid type: Expected ...").
          expect(e.message).toMatch(/^model\.json: \S/);
          expect(e.message).not.toMatch(/\{(path|parent|got|name)\}|Invalid (type|key|length|value)|Expected .* but received/);
          expect(e.message).toMatch(/config|weight|shard|integrity|weightsManifest|format|JSON object/);
          return;
        }
        counts.accepted++;
        // Accepted: every value inside its documented range.
        const { config, groups, integrity, totalBytes } = parsed;
        expect(config.dataSize + 2 * config.pad).toBe(config.imageSize);
        expect(config.imageSize % 4).toBe(0);
        expect(config.backbone.channels.every((c) => Number.isInteger(c) && c > 0 && c % config.backbone.groups === 0)).toBe(true);
        expect(config.schedule.T).toBeGreaterThanOrEqual(1);
        expect(config.classNames.length).toBeGreaterThanOrEqual(2);
        expect(groups.length).toBeGreaterThan(0);
        expect([...integrity.values()].every((e) => /^[0-9a-f]{64}$/.test(e.sha256) && Number.isInteger(e.bytes) && e.bytes >= 0)).toBe(true);
        expect(totalBytes).toBe([...integrity.values()].reduce((n, e) => n + e.bytes, 0));
        expect(validateConfig(config)).toEqual(config); // the output is itself a valid config
      }),
      { numRuns: 1000, seed: 14 },
    );
    // Most edits break the file; some (an unread key, a loss weight) do not.
    expect(counts.rejected).toBeGreaterThan(500);
    expect(counts.accepted).toBeGreaterThan(0);
  });
});
