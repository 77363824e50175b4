/** src/store: one zustand store of typed slices (engine, run config, trajectory, player, view, editor, samples, compare, history). */
export * from './store.ts';
export { FrameBuffer, rollingMedian, NUM_CLASSES, classesOf } from './frame-buffer.ts';
export { presetMask, paintStroke, filledMask, hiddenCount, MASK_PRESETS } from './mask.ts';
export { toErrorInfo } from './engine-api.ts';
export { hashOf, parseHash, syncWithHash, shareHash, extrasOf, branchChain, linkCaveat, MAX_BRANCH_LEVELS, type BranchLevel, type HashState, type HashInputs, type ShareExtras, type SketchRef } from './url.ts';
export { parseSamplesIndex, type ParsedSamples } from './samples.ts';
export { BUNDLED, BUNDLED_NAME, parseModelParam, searchFor, modelName, linkNote, modeUnavailable } from './model-source.ts';
export { mapBounds, toCanvas, fromCanvas, nearestPoint, neighbourInDirection, pointUV, pointVector, reprTrail, type MapBounds, type XY } from './repr.ts';
export { encodeSketchBits, decodeSketchBits, edgeCount } from './sketch-bits.ts';
export { compareIndex, frameDiff, DEFAULT_COMPARE_KNOBS, type FrameDiff } from './compare.ts';
export { treeOrder, branchChanges, branchRetraces, seedActsAfterStart } from './branches.ts';
export { encodeMask, decodeMask, MASK_CELLS } from './share.ts';
export { scheduleTables, frameTimesteps, forwardParts, encodingFromFrames, FALLBACK_TABLE_CONFIG, type ScheduleTables, type ForwardParts } from './teach.ts';
export { SAMPLING_DEFAULTS, PYTHON_MODE_NAMES, defaultDriftGuidance, modeDefaults, followModeDefaults, type SamplingDefaults, type DriftGuidanceMode } from './defaults.ts';
export { trajectoryExport, encodeGif, EXPORT_FORMAT, type ExportedTrajectory } from './export.ts';
export { typedNumber, type TypedNumber } from './typed.ts';
export { argmaxSeries, labelFlips, smoothSeries, LABEL_SMOOTHING } from './label-series.ts';
