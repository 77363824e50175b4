/** src/store: one zustand store of typed slices (engine, run config, trajectory, player, view, editor, samples). */
export * from './store.ts';
export { FrameBuffer, rollingMedian, NUM_CLASSES } from './frames.ts';
export { presetMask, paintStroke, filledMask, hiddenCount, MASK_PRESETS, type MaskPreset, type Point } from './mask.ts';
export { toErrorInfo, type EngineLike, type EngineFactory, type Awaitable } from './engine-api.ts';
export { hashOf, parseHash, syncWithHash, shareHash, extrasOf, type HashState, type ShareExtras } from './url.ts';
export { compareIndex, frameDiff, DEFAULT_COMPARE_KNOBS, type CompareKnobs, type FrameDiff } from './compare.ts';
export { treeOrder, branchChanges, type RunNode, type HistorySlice } from './branches.ts';
export { encodeMask, decodeMask, MASK_CELLS } from './share.ts';
export { scheduleTables, frameTimesteps, forwardParts, encodingFromFrames, FALLBACK_TABLE_CONFIG, type ScheduleTables, type ForwardParts } from './teach.ts';
export { trajectoryExport, encodeGif, EXPORT_FORMAT, type ExportedTrajectory } from './export.ts';
