/**
 * Export of a trajectory: JSON (the run's config with its mask, sketch and representation inputs, then
 * per frame the timestep, the label distribution of every sample and the image arrays) and an animated GIF (gifenc) from frames the UI has drawn to RGBA.
 * PNGs come from canvases, in the UI (ui/ExportMenu.tsx).
 */
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import * as v from 'valibot';
import type { Frame } from '../engine/protocol.ts';
import { fields, finite, integer, parseWith, strings } from '../model/schema.ts';
import { classesOf } from './frame-buffer.ts';
import { encodeMask } from './share.ts';
import { encodeSketchBits } from './sketch-bits.ts';
import { RunConfigSchema, type RunSummary } from './state.ts';

export const EXPORT_FORMAT = 'mt-diffusion-trajectory/1';

/** Per sample, one array of numbers. */
const perSampleArrays = v.array(v.array(finite('an array of numbers per sample'), 'an array of numbers per sample'), 'an array of numbers per sample');
const nullable = <T>(schema: v.GenericSchema<unknown, T>) => v.nullable(schema);

/** The export's JSON: what trajectoryExport writes and what a reader of the file may rely on. */
export const TrajectoryExportSchema = fields({
  format: v.literal(EXPORT_FORMAT, `'${EXPORT_FORMAT}'`),
  /** The run's settings (RunConfigSchema), its id and inputs; mask and sketch as in a link (share.ts, bits). */
  config: fields({
    ...RunConfigSchema.entries,
    runId: v.string('a string'),
    trueLabel: nullable(integer(0)),
    reprPoint: nullable(integer(0)),
    /** The bundled test image the run's input came from (image or sketch), null for a drawn or uploaded one. */
    testIndex: nullable(integer(0)),
    sketchIndex: nullable(integer(0)),
    mask: nullable(v.string('a string')),
    sketch: nullable(v.string('a string')),
    /** Representation mode: the vector, comma-separated. */
    repr: nullable(v.string('a string')),
  }),
  classNames: strings(),
  /** 32: the side of every image array. */
  size: integer(1),
  frames: v.array(
    fields({
      index: integer(0),
      t: integer(0),
      /** One distribution over the 10 classes per sample. */
      labelProbs: perSampleArrays,
      /** z_t per sample, 32x32 row-major, model space. */
      z: perSampleArrays,
      /** The image head's x̂₀ per sample, 32x32 row-major, model space [-1, 1]. */
      x0Hat: perSampleArrays,
    }),
    'an array of frames',
  ),
});

export type ExportedTrajectory = v.InferOutput<typeof TrajectoryExportSchema>;
export type ExportedFrame = ExportedTrajectory['frames'][number];

/** Reads an exported trajectory (`file` names it in the message of a malformed one). */
export function parseTrajectoryExport(json: unknown, file = 'trajectory.json'): ExportedTrajectory {
  const parsed = parseWith(TrajectoryExportSchema, json, { root: '', wholeArrays: false });
  if (!parsed.ok) throw new Error(`${file}: ${parsed.failure.message}`);
  return parsed.value;
}

const round = (v: number): number => Math.round(v * 1e5) / 1e5;

function perSample(values: Float32Array, batch: number): number[][] {
  const per = values.length / batch;
  return Array.from({ length: batch }, (_, b) => Array.from(values.subarray(b * per, (b + 1) * per), round));
}

/** The trajectory as plain JSON data (one entry per frame, in order). */
export function trajectoryExport(run: RunSummary, frames: readonly Frame[], classNames: readonly string[], size = 32): ExportedTrajectory {
  const { image, mask, sketch, repr, ...config } = run;
  void image;
  return {
    format: EXPORT_FORMAT,
    config: {
      ...config,
      mask: mask && mask.length === size * size ? encodeMask(mask) : null,
      // Sketch mode: the given edge map as in the URL (sketch-bits.ts); representation mode: the vector.
      sketch: sketch && sketch.length === size * size ? encodeSketchBits(sketch) : null,
      repr: repr ? Array.from(repr, round).join(',') : null,
    },
    classNames: [...classNames],
    size,
    frames: frames.map((f) => ({
      index: f.index,
      t: f.t,
      labelProbs: Array.from({ length: run.batch }, (_, b) => Array.from(f.labelProbs.subarray(b * classesOf(f), (b + 1) * classesOf(f)), round)),
      z: perSample(f.z, run.batch),
      x0Hat: perSample(f.x0Hat, run.batch),
    })),
  };
}

/** An animated GIF of RGBA images (each width x height), looping forever, `delayMs` per frame. */
export function encodeGif(images: readonly (Uint8Array | Uint8ClampedArray)[], width: number, height: number, delayMs: number): Uint8Array {
  if (images.length === 0) throw new RangeError('encodeGif: no frames');
  const gif = GIFEncoder();
  for (const rgba of images) {
    if (rgba.length !== width * height * 4) throw new RangeError(`encodeGif: a frame has ${rgba.length} bytes, expected ${width * height * 4}`);
    const palette = quantize(rgba, 256);
    gif.writeFrame(applyPalette(rgba, palette), width, height, { palette, delay: delayMs, repeat: 0 });
  }
  gif.finish();
  return gif.bytes();
}
