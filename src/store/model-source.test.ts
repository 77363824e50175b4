import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../model/config.ts';
import { BUNDLED, BUNDLED_NAME, linkNote, modeUnavailable, modelName, parseModelParam, searchFor, weightsLocation } from './model-source.ts';
import type { ModelSource } from './state.ts';

const PAGE = 'https://play.example/app/index.html?x=1#mode=joint';

describe('?model=', () => {
  it('absent: null; same origin: the folder as an absolute URL ending in /', () => {
    expect(parseModelParam('', PAGE)).toBeNull();
    expect(parseModelParam('?model=models/shapes', PAGE)).toEqual({ kind: 'url', url: 'https://play.example/app/models/shapes/', param: 'models/shapes' });
    expect(parseModelParam('?model=/m/', PAGE)).toMatchObject({ url: 'https://play.example/m/' });
  });

  it('another origin, an empty value: refused with a reason (the bundled model runs)', () => {
    expect(parseModelParam('?model=https://evil.example/m/', PAGE)).toMatch(/another site \(https:\/\/evil\.example\)/);
    expect(parseModelParam('?model=//evil.example/m/', PAGE)).toMatch(/another site/);
    expect(parseModelParam('?model=', PAGE)).toMatch(/empty/);
  });

  it('round trip: searchFor writes what parseModelParam reads', () => {
    const source = parseModelParam('?model=models/my%20shapes/', PAGE) as ModelSource;
    expect(parseModelParam(searchFor(source), PAGE)).toEqual(source);
    expect(searchFor(BUNDLED)).toBe('');
  });
});

describe('names, locations, links', () => {
  const files: ModelSource = { kind: 'files', folder: 'model', files: new Map() };
  it('the config name, else the folder, else the bundled name', () => {
    expect(modelName(BUNDLED, { name: 'x' })).toBe(BUNDLED_NAME);
    expect(modelName(files, { name: 'Shapes' })).toBe('Shapes');
    expect(modelName(files, null)).toBe('model');
  });

  it('weights: bundled under the base URL, a hosted folder as given', () => {
    expect(weightsLocation(BUNDLED, '/app/')).toBe('/app/weights/');
    expect(weightsLocation({ kind: 'url', url: 'https://a/m/', param: 'm' }, '/app/')).toBe('https://a/m/');
  });

  it('only a model from the disk gets a link note', () => {
    expect(linkNote('bundled', BUNDLED_NAME)).toBeNull();
    expect(linkNote('url', 'Shapes')).toBeNull();
    expect(linkNote('files', 'Shapes')).toMatch(/cannot carry “Shapes”/);
  });
});

describe('modes a model can run', () => {
  const all = { heads: { names: ['eps', 'label', 'masked', 'sketch', 'repr'] }, encoders: { names: ['label', 'masked', 'sketch', 'repr'] } } as unknown as ModelConfig;
  it('every mode with every head, encoder and the map', () => {
    for (const m of ['joint', 'conditional', 'inpaint', 'classify', 'sketch', 'representation', 'unconditional'] as const) {
      expect(modeUnavailable(m, all, true)).toBeNull();
    }
  });
  it('representation needs the map; a missing head or encoder is named', () => {
    expect(modeUnavailable('representation', all, false)).toMatch(/no representation map/);
    const noSketch = { heads: { names: ['eps', 'label', 'masked', 'repr'] }, encoders: { names: ['label', 'masked', 'repr'] } } as unknown as ModelConfig;
    expect(modeUnavailable('sketch', noSketch, true)).toBe('this model has no sketch head');
    expect(modeUnavailable('joint', noSketch, true)).toBeNull();
  });
});
