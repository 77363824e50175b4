/** src/store: one zustand store of typed slices (engine, run config, trajectory, player, view, editor, samples). */
export * from './store.ts';
export { FrameBuffer, rollingMedian, NUM_CLASSES } from './frames.ts';
export { presetMask, paintStroke, filledMask, hiddenCount, MASK_PRESETS, type MaskPreset, type Point } from './mask.ts';
export { toErrorInfo, type EngineLike, type EngineFactory, type Awaitable } from './engine-api.ts';
export { hashOf, parseHash, syncWithHash, type HashState, type HashInputs, type SketchRef } from './url.ts';
export { parseSamplesIndex, type MapPoints, type ParsedSamples } from './samples.ts';
export { mapBounds, toCanvas, fromCanvas, nearestPoint, pointUV, pointVector, reprTrail, type MapBounds, type UV, type XY } from './repr.ts';
export { encodeSketchBits, decodeSketchBits, edgeCount } from './sketch-bits.ts';
