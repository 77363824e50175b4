/**
 * The "config" block of public/weights/model.json (written by training/mtd/model.py
 * `default_config` plus export metadata from training/export.py): its schema, the ModelConfig type
 * inferred from it, and the checks that relate one field to another.
 *
 * validateConfig returns a fresh, typed copy holding only the fields listed here, and throws a
 * WeightsError ('version' for an unsupported configVersion, 'format' otherwise) naming the field.
 */
import * as v from 'valibot';
import type { DriftConfig, ScheduleConfig } from '../core/index.ts';
import type { EncoderCarrier } from './carrier.ts';
import { WeightsError } from './errors.ts';
import { fields, finite, inOpen, integer, notArray, oneOf, parseWith, record, show, string, strings } from './schema.ts';

export const SUPPORTED_CONFIG_VERSION = 1;
/** The most classes a model may have: the label panels and pickers are laid out for 10 (training/mtd/userdata.py MAX_CLASSES). */
export const MAX_CLASSES = 10;

/** Heads and encoders this build implements (training/mtd/model.py `MTDiffusion`). */
export const HEAD_NAMES = ['eps', 'label', 'masked', 'sketch', 'repr'] as const;
export const ENCODER_NAMES = ['label', 'masked', 'sketch', 'repr'] as const;
export type HeadName = (typeof HEAD_NAMES)[number];
export type EncoderName = (typeof ENCODER_NAMES)[number];

/** Every name of `all`, each once, in any order (each element and the whole array get `what`). */
const nameSet = <const N extends readonly [string, ...string[]]>(all: N, what: string) =>
  v.pipe(
    strings(),
    v.check((names) => names.length === all.length && all.every((x) => names.includes(x)), what),
    v.transform(() => [...all] as N[number][]),
  );

const positive = integer(1);

/** One of several object shapes told apart by `type`; `what` names the types. */
const byType = <const O extends v.VariantOptions<'type'>>(options: O, what: string) =>
  v.pipe(notArray<v.InferInput<O[number]>>(), v.variant('type', options, (issue) => (issue.path === undefined ? 'an object' : what)));

const ScheduleSchema = byType(
  [
    record({ type: v.literal('linear'), T: positive, betaStart: inOpen(0, 1), betaEnd: inOpen(0, 1) }),
    record({
      type: v.literal('cosine'),
      T: positive,
      s: v.optional(finite('a number >= 0', (x) => x >= 0)),
      maxBeta: v.optional(inOpen(0, 1)),
    }),
  ],
  "'linear' or 'cosine'",
);

const DriftSchema = byType([record({ type: v.literal('none') }), record({ type: v.literal('sine'), kappaMax: finite() })], "'none' or 'sine'");

const CHANNELS = 'an array of 3 positive integers';
const BackboneSchema = fields({
  /** UNet widths [c0, c1, c2] at 32x32, 16x16, 8x8. */
  channels: v.tuple([integer(1, CHANNELS), integer(1, CHANNELS), integer(1, CHANNELS)], CHANNELS),
  groups: positive,
  /** Width of the sinusoidal embedding [sin, cos] (even). */
  timeFreqDim: v.pipe(integer(2), v.check((n) => n % 2 === 0, 'even ([sin, cos] halves)')),
  timeEmbedDim: positive,
  /** GroupNorm eps (torch nn.GroupNorm(groups, C)). */
  groupNormEps: finite('a number > 0', (x) => x > 0),
});

/** The masked and sketch encoders' output carrier (src/model/carrier.ts). */
const CarrierSchema = fields({ kind: v.literal('checkerboard', "'checkerboard'"), gain: finite('a number in (0, 16]', (x) => x > 0 && x <= 16) });

const RANGE = 'an array of 2 numbers';

/** model.json's "config" block, field by field (the relations between fields: validateConfig). */
export const ConfigSchema = fields({
  configVersion: v.literal(SUPPORTED_CONFIG_VERSION),
  /** Model-space side (32): dataSize + 2 pad. */
  imageSize: integer(4),
  /** Data side (28). */
  dataSize: integer(3),
  pad: integer(0),
  normalisation: fields({
    range: v.tuple([finite(RANGE), finite(RANGE)], RANGE),
    pixel: string(),
    /** Value of the padding (-1). */
    background: finite(),
  }),
  backbone: BackboneSchema,
  heads: fields({
    names: nameSet(HEAD_NAMES, `the heads this build implements (${HEAD_NAMES.join(', ')})`),
    convHidden: positive,
    mlpHidden: positive,
  }),
  encoders: fields({
    names: nameSet(ENCODER_NAMES, `the encoders this build implements (${ENCODER_NAMES.join(', ')})`),
    carrier: v.optional(CarrierSchema),
    convHidden: positive,
  }),
  classNames: v.pipe(strings(), v.minLength(2, 'at least 2 class names'), v.maxLength(MAX_CLASSES, `at most ${MAX_CLASSES} class names`)),
  /** Sketch = integer Sobel |g|^2 > thresholdSq on the uint8 image (training/mtd/data.py `sketch_of`). */
  sketch: fields({ kind: v.literal('sobel-int', "'sobel-int'"), thresholdSq: integer(0) }),
  loss: v.pipe(notArray(), v.record(v.string(), finite(), 'an object')),
  precision: v.optional(oneOf(['float16', 'float32'])),
  schedule: ScheduleSchema,
  drift: DriftSchema,
  modalities: strings(),
  representation: fields({ dim: positive }),
  /** Export metadata (training/export.py). */
  trained: v.boolean('a boolean'),
  trainingSteps: integer(0),
  exported: v.optional(string()),
  weights: v.optional(string()),
  /** The model's name (a user's model: training/prepare_data.py --name, else its data folder's name). */
  name: v.optional(string()),
});

export type ModelConfig = v.InferOutput<typeof ConfigSchema>;
export type BackboneConfig = ModelConfig['backbone'];

// The schema's parts are the types core and carrier.ts define (a drift between them fails to compile).
const _sameTypes: [ScheduleConfig, DriftConfig, EncoderCarrier | undefined] = [] as unknown as [ModelConfig['schedule'], ModelConfig['drift'], ModelConfig['encoders']['carrier']];
void _sameTypes;

function fail(path: string, message: string): WeightsError {
  return new WeightsError('format', `model.json: ${path} ${message}`, { file: 'model.json' });
}

/** Validates model.json's "config" block; throws WeightsError naming the offending field. */
export function validateConfig(raw: unknown): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new WeightsError('format', `model.json: config must be an object, got ${show(raw)}`, { file: 'model.json' });
  }
  const version: unknown = (raw as Record<string, unknown>)['configVersion'];
  if (version !== SUPPORTED_CONFIG_VERSION) {
    throw new WeightsError(
      'version',
      `model.json: unsupported config.configVersion ${show(version)} (this build reads configVersion ${SUPPORTED_CONFIG_VERSION})`,
      { file: 'model.json' },
    );
  }
  const parsed = parseWith(ConfigSchema, raw, { root: 'config', wholeArrays: true });
  if (!parsed.ok) throw new WeightsError('format', `model.json: ${parsed.failure.message}`, { file: 'model.json' });
  const c = parsed.value;

  if (c.dataSize + 2 * c.pad !== c.imageSize) {
    throw fail('config.imageSize', `(${c.imageSize}) must equal dataSize + 2 pad (${c.dataSize + 2 * c.pad})`);
  }
  // Two stride-2 downsamples followed by two x2 upsamples must land on the skip sizes.
  if (c.imageSize % 4 !== 0) throw fail('config.imageSize', `(${c.imageSize}) must be divisible by 4`);
  const { channels, groups } = c.backbone;
  const [c0, c1, c2] = channels;
  // Every GroupNorm's width (including the concatenations of the up path) must split into groups.
  for (const width of [c0, c1, c2, c2 + c2, c2 + c1, c1 + c0]) {
    if (width % groups !== 0) {
      throw fail('config.backbone', `channels ${show(channels)}: GroupNorm width ${width} is not divisible by groups (${groups})`);
    }
  }
  return c;
}
