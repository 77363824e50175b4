import { describe, expect, it } from 'vitest';
import { EDIT_LIMITS, type LatentEdit } from '../core/latent-edit.ts';
import { DEFAULT_CONFIG, createAppStore } from './store.ts';
import { MAX_HASH_LENGTH, hashOf, parseHash, syncWithHash } from './url.ts';

describe('URL hash', () => {
  it('round-trips the run config and head', () => {
    const config = { ...DEFAULT_CONFIG, mode: 'conditional' as const, sampler: 'ddpm' as const, steps: 250, eta: 0.5, seed: 123456, batch: 16 as const, classId: 7, labelGuidance: 2.5, driftGuidance: 3, clipX0: false };
    const parsed = parseHash(hashOf(config, 'label'));
    expect(parsed.config).toEqual(config);
    expect(parsed.head).toBe('label');
  });

  it('ignores junk and clamps out-of-range values', () => {
    const parsed = parseHash('#mode=sketches&steps=99999&seed=abc&batch=3&head=reprs&eta=-1&sketch=t-1&point=1e3');
    expect(parsed.config).toEqual({ steps: 1000, eta: 0 });
    expect(parsed.head).toBeUndefined();
    expect(parsed.sketch).toBeUndefined();
    expect(parsed.point).toBeUndefined();
    // mode, seed, batch, head, sketch, point rejected; steps, eta clamped
    expect(parsed.notices).toHaveLength(8);
    expect(parsed.notices.join('\n')).toMatch(/steps = "99999" is out of range; using 1000/);
    expect(parsed.notices).toContain('Ignored sketch = "t-1" from the link (valid: t<test image>, or d and 171 characters of a drawn sketch).');
    expect(parsed.notices).toContain('Ignored point = "1e3" from the link (not a map point).');
  });

  it('round-trips the sketch of a test image, a drawn sketch and a map point, each in its own mode only', () => {
    const sketchMode = { ...DEFAULT_CONFIG, mode: 'sketch' as const };
    expect(parseHash(hashOf(sketchMode, 'sketch', { sketch: { kind: 'test', index: 12 }, point: 5 }))).toMatchObject({
      config: { mode: 'sketch' },
      head: 'sketch',
      sketch: { kind: 'test', index: 12 },
    });
    expect(parseHash(hashOf(sketchMode, 'x0', { point: 5 })).point).toBeUndefined();
    const drawn = new Float32Array(1024);
    drawn.fill(1, 100, 140);
    const parsed = parseHash(hashOf(sketchMode, 'x0', { sketch: { kind: 'drawn', sketch: drawn } }));
    expect(parsed.sketch?.kind === 'drawn' && parsed.sketch.sketch).toEqual(drawn);
    expect(parsed.notices).toEqual([]);
    const reprMode = { ...DEFAULT_CONFIG, mode: 'representation' as const };
    expect(parseHash(hashOf(reprMode, 'repr', { sketch: { kind: 'test', index: 1 }, point: 1234 }))).toEqual({
      config: { ...reprMode },
      head: 'repr',
      point: 1234,
      notices: [],
    });
    expect(parseHash('#sketch=dAAAA').sketch).toBeUndefined(); // too short for 32x32
    expect(parseHash('#sketch=dAAAA').notices).toHaveLength(1);
  });

  it('a link restores the sketch and the map point into the editor', () => {
    const store = createAppStore({ memoryPollMs: 0 });
    const writes: string[] = [];
    const stop = syncWithHash(store, { hash: '#mode=sketch&sketch=t7&point=99' }, (h) => writes.push(h));
    expect(store.getState().editor).toMatchObject({ sketchSource: 'test', testIndex: 7, reprPoint: 99 });
    expect(parseHash(writes.at(-1)!).sketch).toEqual({ kind: 'test', index: 7 });
    store.getState().actions.setConfig({ mode: 'representation' });
    expect(parseHash(writes.at(-1)!)).toMatchObject({ point: 99 });
    expect(parseHash(writes.at(-1)!).sketch).toBeUndefined();
    stop();
  });

  it('rejects hostile values with a notice that quotes them as text', () => {
    const parsed = parseHash(`#mode=${encodeURIComponent('<img src=x onerror=alert(1)>')}&seed=-5&steps=1e9&mask=${'0'.repeat(900)}&color=red`);
    expect(parsed.config).toEqual({ seed: 0, steps: 1000 });
    expect(parsed.mask).toBeUndefined();
    expect(parsed.notices).toEqual([
      'Ignored a setting this page does not have: "color".',
      'Ignored mode = "<img src=x onerror=alert(1)>" from the link (valid: joint, conditional, inpaint, classify, sketch, representation, unconditional).',
      'steps = "1000000000" is out of range; using 1000.',
      'seed = "-5" is out of range; using 0.',
      'Ignored mask = "00000000000000000000000000000000…" from the link (not a mask).',
    ]);
    const huge = parseHash(`#mode=joint&mask=${'1'.repeat(5000)}`);
    expect(huge.config).toEqual({});
    expect(huge.notices[0]).toMatch(/ignored/);
    expect(parseHash(hashOf(DEFAULT_CONFIG, 'z')).notices).toEqual([]);
  });

  it('rejects or clamps the x0 source, the mode inputs and the share extras with notices', () => {
    const parsed = parseHash(`#x0=${encodeURIComponent('<b>')}&img=-1&frame=1e3&explain=yes&cmp=ddim~2~0~99999&head=z`);
    expect(parsed).toMatchObject({ config: {}, head: 'z', compare: { sampler: 'ddim', eta: 1, labelGuidance: 0, driftGuidance: 0, steps: 1000 } });
    expect(parsed.testIndex).toBeUndefined();
    expect(parsed.frame).toBeUndefined();
    expect(parsed.explain).toBeUndefined();
    expect(parsed.notices).toEqual([
      'Ignored x0 = "<b>" from the link (valid: masked, eps).',
      'cmp = "ddim~2~0~99999" is out of range; using ddim~1~0~1000~0.',
      'Ignored frame = "1e3" from the link (not a frame number).',
      'Ignored img = "-1" from the link (not a test image number).',
      'Ignored explain = "yes" from the link (valid: 0, 1).',
    ]);
    expect(parseHash('#cmp=lms~0~0~1').notices).toEqual([
      'Ignored cmp = "lms~0~0~1" from the link (valid: sampler~eta~label guidance~steps~drift guidance, sampler ddim or ddpm or euler or euler_a or heun or dpmpp_2m).',
    ]);
    // The samplers beyond DDPM and DDIM: an unknown one, an unknown spacing, and a step count a sampler cannot take.
    expect(parseHash('#sampler=lms').notices).toEqual(['Ignored sampler = "lms" from the link (valid: ddim, ddpm, euler, euler_a, heun, dpmpp_2m).']);
    expect(parseHash('#spacing=log').notices).toEqual(['Ignored spacing = "log" from the link (valid: trailing, karras).']);
    const few = parseHash('#sampler=dpmpp_2m&steps=1&spacing=karras');
    expect(few.config).toMatchObject({ sampler: 'dpmpp_2m', steps: 3, spacing: 'karras' });
    expect(few.notices).toEqual(['steps: DPM++ 2M needs at least 3 steps (its first and last steps are first order), got 1; using 3.']);
  });

  it('drift guidance is dg; label-head guidance is lg, and an old link\'s guidance is still read as label guidance', () => {
    const hash = hashOf({ ...DEFAULT_CONFIG, mode: 'sketch', labelGuidance: 1.5, driftGuidance: 2 }, 'x0');
    expect(hash).toContain('lg=1.5');
    expect(hash).toContain('dg=2');
    expect(hash).not.toContain('guidance=');
    expect(parseHash(hash).config).toMatchObject({ labelGuidance: 1.5, driftGuidance: 2 });
    // A link from before the rename.
    expect(parseHash('#mode=conditional&guidance=4')).toEqual({ config: { mode: 'conditional', labelGuidance: 4 }, notices: [] });
    const both = parseHash('#guidance=4&lg=2');
    expect(both.config).toEqual({ labelGuidance: 2 });
    expect(both.notices).toEqual(['Ignored guidance = "4" from the link: it is the old name of lg, which the link also has.']);
    const clamped = parseHash('#dg=25&lg=-1');
    expect(clamped.config).toEqual({ driftGuidance: 10, labelGuidance: 0 });
    expect(clamped.notices).toEqual(['lg = "-1" is out of range; using 0.', 'dg = "25" is out of range; using 10.']);
    expect(parseHash('#dg=lots').notices).toEqual(['Ignored dg = "lots" from the link (not a number).']);
  });

  it('label commitment is lc (0..0.95), written in every link and clamped with a notice', () => {
    const hash = hashOf({ ...DEFAULT_CONFIG, mode: 'joint', labelCommit: 0.55 }, 'x0');
    expect(new URLSearchParams(hash.slice(1)).get('lc')).toBe('0.55');
    expect(parseHash(hash).config).toMatchObject({ mode: 'joint', labelCommit: 0.55 });
    expect(parseHash('#lc=0.3')).toEqual({ config: { labelCommit: 0.3 }, notices: [] });
    const clamped = parseHash('#lc=1.5');
    expect(clamped.config).toEqual({ labelCommit: 0.95 });
    expect(clamped.notices).toEqual(['lc = "1.5" is out of range; using 0.95.']);
    expect(parseHash('#lc=sure').notices).toEqual(['Ignored lc = "sure" from the link (not a number).']);
  });

  it('compare B\'s drift guidance is the fifth part of cmp; a four-part cmp (an old link) means 0', () => {
    const knobs = { sampler: 'ddim' as const, eta: 0, labelGuidance: 0, driftGuidance: 3, steps: 20 };
    const hash = hashOf(DEFAULT_CONFIG, 'x0', { compare: knobs });
    expect(new URLSearchParams(hash.slice(1)).get('cmp')).toBe('ddim~0~0~20~3');
    expect(parseHash(hash).compare).toEqual(knobs);
    expect(parseHash('#cmp=ddpm~0~1~50')).toEqual({ config: {}, notices: [], compare: { sampler: 'ddpm', eta: 0, labelGuidance: 1, driftGuidance: 0, steps: 50 } });
    expect(parseHash('#cmp=ddpm~0~1~50~11').notices).toEqual(['cmp = "ddpm~0~1~50~11" is out of range; using ddpm~0~1~50~10.']);
    expect(parseHash('#cmp=ddpm~0~1~50~x').compare).toBeUndefined();
    expect(parseHash('#cmp=ddpm~0~1~50~1~2').compare).toBeUndefined();
  });

  it('the longest legitimate link (every key at its longest) fits under MAX_HASH_LENGTH and parses without notices', () => {
    let x = 7;
    const noisy = () => Float32Array.from({ length: 1024 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 1);
    const longest = { ...DEFAULT_CONFIG, sampler: 'ddpm' as const, steps: 1000, eta: 0.123456789, seed: 999999, batch: 16 as const, classId: 9, labelGuidance: 12.3456789, driftGuidance: 9.87654321, labelCommit: 0.876543219, x0From: 'masked' as const };
    const extras = { frame: 999, testIndex: 99999, compare: { sampler: 'ddpm' as const, eta: 0.123456789, labelGuidance: 12.3456789, driftGuidance: 9.87654321, steps: 1000 }, explain: false };
    const sketchLink = hashOf({ ...longest, mode: 'sketch' }, 'sketch', { ...extras, sketch: { kind: 'drawn', sketch: noisy() } });
    const inpaintLink = hashOf({ ...longest, mode: 'inpaint' }, 'masked', { ...extras, mask: noisy() });
    const reprLink = hashOf({ ...longest, mode: 'representation' }, 'repr', { ...extras, point: 999999 });
    for (const link of [sketchLink, inpaintLink, reprLink]) {
      expect(link.length).toBeLessThan(MAX_HASH_LENGTH / 2);
      expect(parseHash(link).notices).toEqual([]);
    }
  });

  it('a test image or map point out of range for the loaded samples is replaced with a notice', async () => {
    const store = createAppStore({ memoryPollMs: 0 });
    const stop = syncWithHash(store, { hash: '#mode=inpaint&img=500&point=70000' }, () => undefined);
    expect(store.getState().editor.testIndex).toBe(500);
    store.setState((s) => ({ samples: { ...s.samples, status: 'ready', count: 64, points: { count: 300 } as never } }));
    await Promise.resolve();
    expect(store.getState().editor).toMatchObject({ testIndex: 0, reprPoint: 0 });
    expect(store.getState().notices.map((n) => n.text)).toEqual([
      'img = "500" is out of range (test images 0..63); using 0.',
      'point = "70000" is out of range (map points 0..299); using 0.',
    ]);
    stop();
  });

  it('applies the hash to the store and follows later changes', () => {
    const store = createAppStore({ memoryPollMs: 0 });
    const writes: string[] = [];
    const stop = syncWithHash(store, { hash: '#seed=7&mode=classify&head=x0' }, (h) => writes.push(h));
    expect(store.getState().config).toMatchObject({ seed: 7, mode: 'classify' });
    expect(store.getState().view.head).toBe('x0');
    expect(store.getState().notices).toEqual([]);
    store.getState().actions.setConfig({ steps: 10 });
    expect(parseHash(writes.at(-1)!).config.steps).toBe(10);
    stop();
  });

  it('present= opens presentation mode with a known side panel; another value is ignored with a notice', () => {
    expect(parseHash('#present=schedule')).toEqual({ config: {}, notices: [], present: 'schedule' });
    expect(parseHash('#present=slides').notices).toEqual(['Ignored present = "slides" from the link (valid: label, schedule, compare, forward, metrics, trajectory).']);
  });

  it('a link with the longest paint edit in its chain still fits, and a malformed edit is ignored with a notice naming its run', () => {
    let x = 7;
    const noisy = () => Float32Array.from({ length: 1024 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 1);
    const dabs = Array.from({ length: EDIT_LIMITS.maxDabs }, (_, i) => ({ x: 31.5 - (i % 5), y: 30.5, r: EDIT_LIMITS.maxRadius, s: -1.99 }));
    const branch = [{ step: 999, config: {}, edit: { kind: 'paint', at: 999, sample: 15, dabs } as LatentEdit }];
    const link = hashOf({ ...DEFAULT_CONFIG, mode: 'sketch', steps: 1000, seed: 999999, batch: 16, eta: 0.123456789, labelGuidance: 12.3456789, driftGuidance: 9.87654321, labelCommit: 0.876543219 }, 'sketch', {
      frame: 999, compare: { sampler: 'ddpm', eta: 0.123456789, labelGuidance: 12.3456789, driftGuidance: 9.87654321, steps: 1000 }, explain: false,
      sketch: { kind: 'drawn', sketch: noisy() }, branch,
    });
    expect(link.length).toBeLessThan(MAX_HASH_LENGTH);
    expect(parseHash(link).branch).toEqual(branch);
    const bad = parseHash('#mode=joint&frame=3&br=2*seed.4~3*edit.p3.0_1.2.3');
    expect(bad.branch).toBeUndefined();
    expect(bad.frame).toBe(3);
    expect(bad.config.mode).toBe('joint');
    expect(bad.notices).toEqual(['Ignored br = "2*seed.4~3*edit.p3.0_1.2.3" from the link (run 2, edit: not a latent edit: p<step>.<sample>_<2x>.<2y>.<size>.<100 × strength>…, or r<step>.<to step>).']);
  });

  it('a landed edit= link (latent edits alone) reads as the branch chain it means: one run per edit, branching where the edit starts', () => {
    const paint: LatentEdit = { kind: 'paint', at: 3, sample: 0, dabs: [{ x: 10, y: 10, r: 2, s: 1 }] };
    const parsed = parseHash('#mode=joint&steps=6&seed=3&frame=5&edit=r4.1*p3.0_20.20.2.100');
    expect(parsed.notices).toEqual([]);
    expect(parsed.branch).toEqual([{ step: 1, config: {}, edit: { kind: 'renoise', at: 4, to: 1 } }, { step: 3, config: {}, edit: paint }]);
    // written back in the one form
    const again = hashOf({ ...DEFAULT_CONFIG, ...parsed.config }, 'z', parsed);
    expect(again).toContain('&br=1*edit.r4.1%7E3*edit.p3.0_20.20.2.100&');
    expect(again).not.toContain('&edit=');
    expect(parseHash(again).branch).toEqual(parsed.branch);
    // malformed: the notice names the key and the form expected; the rest of the link stays
    const bad = parseHash('#mode=joint&frame=3&edit=r5.1*oops');
    expect(bad.branch).toBeUndefined();
    expect(bad).toMatchObject({ frame: 3, config: { mode: 'joint' } });
    expect(bad.notices).toEqual([expect.stringMatching(/^Ignored edit = "r5\.1\*oops" from the link \(not a latent edit: p<step>.+; at most 16, joined by \*\)\.$/) as string]);
    // br wins over the old key
    const both = parseHash('#br=2*seed.5&edit=r4.1');
    expect(both.branch).toEqual([{ step: 2, config: { seed: 5 } }]);
    expect(both.notices).toEqual(['Ignored edit = "r4.1" from the link: it is the old name of br, which the link also has.']);
    expect(parseHash(`#edit=${Array(17).fill('r5.1').join('*')}`).branch).toBeUndefined();
  });

  it('every key of the field table round-trips: config, head and each share extra in its mode', () => {
    const config = { ...DEFAULT_CONFIG, sampler: 'ddpm' as const, steps: 37, eta: 0.25, seed: 99, batch: 16 as const, classId: 4, labelGuidance: 1.5, driftGuidance: 2, clipX0: false, paste: false, x0From: 'eps' as const };
    const mask = new Float32Array(1024).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const sketch = new Float32Array(1024).map((_, i) => (i % 5 === 0 ? 1 : 0));
    const edit: LatentEdit = { kind: 'paint', at: 5, sample: 2, dabs: [{ x: 3.5, y: 31, r: 2, s: -0.75 }] };
    const branch = [{ step: 5, config: {}, edit }, { step: 7, config: { seed: 4 } }, { step: 4, config: {}, edit: { kind: 'renoise', at: 9, to: 4 } as LatentEdit }];
    const common = { frame: 12, testIndex: 3, compare: { sampler: 'ddim' as const, eta: 0.5, labelGuidance: 1, driftGuidance: 3, steps: 20 }, explain: false, present: 'compare' as const, branch };
    const cases = [
      { config: { ...config, mode: 'inpaint' as const }, extras: { ...common, mask } },
      { config: { ...config, mode: 'sketch' as const }, extras: { ...common, sketch: { kind: 'drawn' as const, sketch } } },
      { config: { ...config, mode: 'sketch' as const }, extras: { ...common, sketch: { kind: 'test' as const, index: 8 } } },
      { config: { ...config, mode: 'representation' as const }, extras: { ...common, point: 321 } },
    ];
    for (const c of cases) {
      const parsed = parseHash(hashOf(c.config, 'drift', c.extras));
      expect(parsed).toEqual({ config: c.config, head: 'drift', notices: [], ...c.extras });
    }
  });
});
