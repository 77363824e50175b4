/**
 * The "config" block of public/weights/model.json (written by training/mtd/model.py
 * `default_config` plus export metadata from training/export.py), and its runtime validator.
 *
 * The validator returns a fresh, typed copy holding only the fields listed here, and throws a
 * WeightsError ('version' for an unsupported configVersion, 'format' otherwise) naming the field.
 */
import type { DriftConfig, ScheduleConfig } from '../core/index.ts';
import type { EncoderCarrier } from './carrier.ts';
import { WeightsError } from './errors.ts';

export const SUPPORTED_CONFIG_VERSION = 1;
/** The most classes a model may have: the label panels and pickers are laid out for 10 (training/mtd/userdata.py MAX_CLASSES). */
export const MAX_CLASSES = 10;

/** Heads and encoders this build implements (training/mtd/model.py `MTDiffusion`). */
export const HEAD_NAMES = ['eps', 'label', 'masked', 'sketch', 'repr'] as const;
export const ENCODER_NAMES = ['label', 'masked', 'sketch', 'repr'] as const;
export type HeadName = (typeof HEAD_NAMES)[number];
export type EncoderName = (typeof ENCODER_NAMES)[number];

export interface BackboneConfig {
  /** UNet widths [c0, c1, c2] at 32x32, 16x16, 8x8. */
  readonly channels: readonly [number, number, number];
  readonly timeEmbedDim: number;
  /** Width of the sinusoidal embedding [sin, cos] (even). */
  readonly timeFreqDim: number;
  /** GroupNorm groups (torch nn.GroupNorm(groups, C)). */
  readonly groups: number;
  readonly groupNormEps: number;
}

export interface ModelConfig {
  readonly configVersion: 1;
  /** Model-space side (32): dataSize + 2 pad. */
  readonly imageSize: number;
  /** Data side (28). */
  readonly dataSize: number;
  readonly pad: number;
  readonly normalisation: {
    readonly pixel: string;
    /** Value of the padding (-1). */
    readonly background: number;
    readonly range: readonly [number, number];
  };
  readonly schedule: ScheduleConfig;
  readonly drift: DriftConfig;
  readonly backbone: BackboneConfig;
  readonly heads: { readonly convHidden: number; readonly mlpHidden: number; readonly names: readonly HeadName[] };
  readonly encoders: {
    readonly convHidden: number;
    readonly names: readonly EncoderName[];
    /** The masked and sketch encoders' output carrier (absent: none; src/model/carrier.ts). */
    readonly carrier?: EncoderCarrier;
  };
  readonly modalities: readonly string[];
  readonly classNames: readonly string[];
  readonly representation: { readonly dim: number };
  /** Sketch = integer Sobel |g|^2 > thresholdSq on the uint8 image (training/mtd/data.py `sketch_of`). */
  readonly sketch: { readonly kind: 'sobel-int'; readonly thresholdSq: number };
  readonly loss: Readonly<Record<string, number>>;
  /** Export metadata (training/export.py). */
  readonly trained: boolean;
  readonly trainingSteps: number;
  readonly exported?: string;
  readonly precision?: 'float16' | 'float32';
  readonly weights?: string;
  /** The model's name (a user's model: training/prepare_data.py --name, else its data folder's name). */
  readonly name?: string;
}

// ---------------------------------------------------------------------------------------------
// A tiny reader over `unknown` that names the field in every error.

class Fields {
  readonly obj: Record<string, unknown>;
  readonly path: string;

  constructor(value: unknown, path: string) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw bad(path, 'an object', value);
    }
    this.obj = value as Record<string, unknown>;
    this.path = path;
  }

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  sub(key: string): Fields {
    return new Fields(this.obj[key], this.at(key));
  }

  num(key: string, check: (v: number) => boolean = () => true, what = 'a finite number'): number {
    const v = this.obj[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw bad(this.at(key), what, v);
    return v;
  }

  int(key: string, min: number): number {
    return this.num(key, (v) => Number.isInteger(v) && v >= min, `an integer >= ${min}`);
  }

  str(key: string): string {
    const v = this.obj[key];
    if (typeof v !== 'string') throw bad(this.at(key), 'a string', v);
    return v;
  }

  bool(key: string): boolean {
    const v = this.obj[key];
    if (typeof v !== 'boolean') throw bad(this.at(key), 'a boolean', v);
    return v;
  }

  strings(key: string): string[] {
    const v = this.obj[key];
    if (!Array.isArray(v) || !v.every((s): s is string => typeof s === 'string')) {
      throw bad(this.at(key), 'an array of strings', v);
    }
    return [...v];
  }

  numbers(key: string, length: number, check: (v: number) => boolean, what: string): number[] {
    const v = this.obj[key];
    if (
      !Array.isArray(v) ||
      v.length !== length ||
      !v.every((x): x is number => typeof x === 'number' && Number.isFinite(x) && check(x))
    ) {
      throw bad(this.at(key), what, v);
    }
    return [...v];
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function bad(path: string, expected: string, got: unknown): WeightsError {
  return new WeightsError('format', `model.json: ${path} must be ${expected}, got ${show(got)}`, {
    file: 'model.json',
  });
}

function fail(path: string, message: string): WeightsError {
  return new WeightsError('format', `model.json: ${path} ${message}`, { file: 'model.json' });
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && b.every((x) => a.includes(x));
}

function scheduleOf(f: Fields): ScheduleConfig {
  const type = f.str('type');
  const T = f.int('T', 1);
  if (type === 'linear') {
    const betaStart = f.num('betaStart', (v) => v > 0 && v < 1, 'a number in (0, 1)');
    const betaEnd = f.num('betaEnd', (v) => v > 0 && v < 1, 'a number in (0, 1)');
    return { type, T, betaStart, betaEnd };
  }
  if (type === 'cosine') {
    return {
      type,
      T,
      ...(f.has('s') ? { s: f.num('s', (v) => v >= 0, 'a number >= 0') } : {}),
      ...(f.has('maxBeta') ? { maxBeta: f.num('maxBeta', (v) => v > 0 && v < 1, 'a number in (0, 1)') } : {}),
    };
  }
  throw bad(f.at('type'), "'linear' or 'cosine'", type);
}

function driftOf(f: Fields): DriftConfig {
  const type = f.str('type');
  if (type === 'none') return { type };
  if (type === 'sine') return { type, kappaMax: f.num('kappaMax') };
  throw bad(f.at('type'), "'none' or 'sine'", type);
}

/** Validates model.json's "config" block; throws WeightsError naming the offending field. */
export function validateConfig(raw: unknown): ModelConfig {
  const c = new Fields(raw, 'config');
  const configVersion = c.obj['configVersion'];
  if (configVersion !== SUPPORTED_CONFIG_VERSION) {
    throw new WeightsError(
      'version',
      `model.json: unsupported config.configVersion ${show(configVersion)} (this build reads configVersion ${SUPPORTED_CONFIG_VERSION})`,
      { file: 'model.json' },
    );
  }

  const imageSize = c.int('imageSize', 4);
  const dataSize = c.int('dataSize', 3);
  const pad = c.int('pad', 0);
  if (dataSize + 2 * pad !== imageSize) {
    throw fail('config.imageSize', `(${imageSize}) must equal dataSize + 2 pad (${dataSize + 2 * pad})`);
  }
  // Two stride-2 downsamples followed by two x2 upsamples must land on the skip sizes.
  if (imageSize % 4 !== 0) throw fail('config.imageSize', `(${imageSize}) must be divisible by 4`);

  const n = c.sub('normalisation');
  const range = n.numbers('range', 2, () => true, 'an array of 2 numbers');
  const normalisation = {
    pixel: n.str('pixel'),
    background: n.num('background'),
    range: [range[0] ?? -1, range[1] ?? 1] as const,
  };

  const b = c.sub('backbone');
  const ch = b.numbers('channels', 3, (v) => Number.isInteger(v) && v >= 1, 'an array of 3 positive integers');
  const channels = [ch[0] ?? 0, ch[1] ?? 0, ch[2] ?? 0] as const;
  const groups = b.int('groups', 1);
  const [c0, c1, c2] = channels;
  // Every GroupNorm's width (including the concatenations of the up path) must split into groups.
  for (const width of [c0, c1, c2, c2 + c2, c2 + c1, c1 + c0]) {
    if (width % groups !== 0) {
      throw fail('config.backbone', `channels ${show(channels)}: GroupNorm width ${width} is not divisible by groups (${groups})`);
    }
  }
  const timeFreqDim = b.int('timeFreqDim', 2);
  if (timeFreqDim % 2 !== 0) throw bad(b.at('timeFreqDim'), 'even ([sin, cos] halves)', timeFreqDim);
  const backbone: BackboneConfig = {
    channels,
    timeEmbedDim: b.int('timeEmbedDim', 1),
    timeFreqDim,
    groups,
    groupNormEps: b.num('groupNormEps', (v) => v > 0, 'a number > 0'),
  };

  const h = c.sub('heads');
  const headNames = h.strings('names');
  if (!sameSet(headNames, HEAD_NAMES)) {
    throw bad(h.at('names'), `the heads this build implements (${HEAD_NAMES.join(', ')})`, headNames);
  }
  const e = c.sub('encoders');
  const encoderNames = e.strings('names');
  if (!sameSet(encoderNames, ENCODER_NAMES)) {
    throw bad(e.at('names'), `the encoders this build implements (${ENCODER_NAMES.join(', ')})`, encoderNames);
  }

  let carrier: EncoderCarrier | undefined;
  if (e.has('carrier')) {
    const k = e.sub('carrier');
    const kind = k.str('kind');
    if (kind !== 'checkerboard') throw bad(k.at('kind'), "'checkerboard'", kind);
    carrier = { kind, gain: k.num('gain', (v) => v > 0 && v <= 16, 'a number in (0, 16]') };
  }

  const classNames = c.strings('classNames');
  if (classNames.length < 2 || classNames.length > MAX_CLASSES) {
    throw bad(c.at('classNames'), `2 to ${MAX_CLASSES} class names`, classNames);
  }

  const s = c.sub('sketch');
  const sketchKind = s.str('kind');
  if (sketchKind !== 'sobel-int') throw bad(s.at('kind'), "'sobel-int'", sketchKind);

  const lossRaw = c.sub('loss');
  const loss: Record<string, number> = {};
  for (const key of Object.keys(lossRaw.obj)) loss[key] = lossRaw.num(key);

  const precision = c.has('precision') ? c.str('precision') : undefined;
  if (precision !== undefined && precision !== 'float16' && precision !== 'float32') {
    throw bad(c.at('precision'), "'float16' or 'float32'", precision);
  }

  return {
    configVersion: SUPPORTED_CONFIG_VERSION,
    imageSize,
    dataSize,
    pad,
    normalisation,
    schedule: scheduleOf(c.sub('schedule')),
    drift: driftOf(c.sub('drift')),
    backbone,
    heads: {
      convHidden: h.int('convHidden', 1),
      mlpHidden: h.int('mlpHidden', 1),
      names: HEAD_NAMES.filter((x) => headNames.includes(x)),
    },
    encoders: {
      convHidden: e.int('convHidden', 1),
      names: ENCODER_NAMES.filter((x) => encoderNames.includes(x)),
      ...(carrier !== undefined ? { carrier } : {}),
    },
    modalities: c.strings('modalities'),
    classNames,
    representation: { dim: c.sub('representation').int('dim', 1) },
    sketch: { kind: 'sobel-int', thresholdSq: s.int('thresholdSq', 0) },
    loss,
    trained: c.bool('trained'),
    trainingSteps: c.int('trainingSteps', 0),
    ...(c.has('exported') ? { exported: c.str('exported') } : {}),
    ...(precision !== undefined ? { precision } : {}),
    ...(c.has('weights') ? { weights: c.str('weights') } : {}),
    ...(c.has('name') ? { name: c.str('name') } : {}),
  };
}
