/**
 * The editors that give a run its input: the image and mask editor (inpainting, classify), the sketch
 * editor (sketch mode) and the representation map (representation mode). Strokes, presets, clears, picks
 * and uploads keep an undo snapshot (`undoStack`, shared by the mask and sketch editors); changing
 * the input of the current mode marks its trajectory stale and stops it.
 */
import type { Mode } from '../engine/protocol.ts';
import type { StoreContext } from './context.ts';
import type { Inputs } from './inputs.ts';
import { filledMask, paintStroke, presetMask } from './mask.ts';
import { nearestPoint } from './repr.ts';
import type { RunParts } from './run-actions.ts';
import { modeUsesImage, type Actions, type EditorSource } from './state.ts';
import type { TrajectoryParts } from './trajectory.ts';

const UNDO_LIMIT = 50;

export interface EditorParts {
  readonly actions: Pick<
    Actions,
    | 'pickTestImage'
    | 'pickDrawnImage'
    | 'setTool'
    | 'setLayer'
    | 'setBrushSize'
    | 'setClassFilter'
    | 'beginStroke'
    | 'strokeTo'
    | 'applyMaskPreset'
    | 'clearLayer'
    | 'undo'
    | 'loadDrawnImage'
    | 'pickSketchImage'
    | 'setSketch'
    | 'sketchStrokeTo'
    | 'clearSketch'
    | 'setSketchBrushSize'
    | 'pickReprPoint'
    | 'pickReprAt'
    | 'runFromMap'
  >;
}

/** An undo step of the editor: the layers a stroke, preset, clear, pick or upload may change. */
interface EditorSnapshot {
  readonly mask: Float32Array;
  readonly drawn: Float32Array;
  readonly sketchDrawn: Float32Array;
  readonly sketchSource: EditorSource;
}

export function createEditorActions(
  ctx: StoreContext,
  parts: {
    readonly trajectory: Pick<TrajectoryParts, 'cancelRun'>;
    readonly inputs: Pick<Inputs, 'sketchImage'>;
    readonly run: Pick<RunParts, 'actions'>;
  },
): EditorParts {
  const { get, patch, side } = ctx;
  const { cancelRun } = parts.trajectory;
  const { sketchImage } = parts.inputs;
  let undoStack: EditorSnapshot[] = [];

  /** The input of `mode` changed: a trajectory made from the old input is stale (and stops). */
  const inputChanged = (uses: (mode: Mode) => boolean) => {
    const { trajectory, config } = get();
    if (!trajectory.run || !uses(config.mode)) return;
    cancelRun();
    if (!trajectory.stale) patch('trajectory', { stale: true });
  };

  const pushUndo = () => {
    const { editor } = get();
    undoStack.push({ mask: editor.mask, drawn: editor.drawn, sketchDrawn: editor.sketchDrawn, sketchSource: editor.sketchSource });
    if (undoStack.length > UNDO_LIMIT) undoStack = undoStack.slice(-UNDO_LIMIT);
    patch('editor', { undoDepth: undoStack.length });
  };

  const actions: EditorParts['actions'] = {
    // ---- image and mask editor ---------------------------------------------------------------
    pickTestImage(index) {
      const { samples } = get();
      if (!Number.isInteger(index) || index < 0 || (samples.status === 'ready' && index >= samples.count)) return;
      patch('editor', { source: 'test', testIndex: index, layer: 'mask' });
      if (get().trajectory.run && modeUsesImage(get().config.mode)) {
        cancelRun();
        patch('trajectory', { stale: true });
      }
    },
    pickDrawnImage() {
      patch('editor', { source: 'drawn', layer: 'image' });
      if (get().trajectory.run && modeUsesImage(get().config.mode)) {
        cancelRun();
        patch('trajectory', { stale: true });
      }
    },
    setTool(tool) {
      patch('editor', { tool });
    },
    setLayer(layer) {
      patch('editor', { layer: layer === 'image' && get().editor.source !== 'drawn' ? 'mask' : layer });
    },
    setBrushSize(brushSize) {
      if (!Number.isFinite(brushSize)) return;
      patch('editor', { brushSize: Math.min(8, Math.max(0.5, brushSize)) });
    },
    setClassFilter(classFilter) {
      patch('editor', { classFilter });
    },
    beginStroke() {
      pushUndo();
    },
    strokeTo(a, b) {
      const { editor } = get();
      const erase = editor.tool === 'eraser';
      if (editor.layer === 'image' && editor.source === 'drawn') {
        // Brush paints white ink (1), the eraser paints the background (-1).
        patch('editor', { drawn: paintStroke(editor.drawn, side, a, b, editor.brushSize, erase ? -1 : 1) });
      } else {
        // Brush hides (0: to be generated), the eraser reveals (1: kept).
        patch('editor', { mask: paintStroke(editor.mask, side, a, b, editor.brushSize, erase ? 1 : 0) });
      }
    },
    applyMaskPreset(preset) {
      pushUndo();
      patch('editor', { mask: presetMask(preset, side), layer: 'mask' });
    },
    clearLayer() {
      pushUndo();
      const { editor } = get();
      if (editor.layer === 'image' && editor.source === 'drawn') {
        patch('editor', { drawn: new Float32Array(side * side).fill(-1) });
      } else {
        patch('editor', { mask: filledMask(side, true) });
      }
    },
    undo() {
      const snap = undoStack.pop();
      if (!snap) return;
      const { editor } = get();
      const sketchChanged = snap.sketchDrawn !== editor.sketchDrawn || snap.sketchSource !== editor.sketchSource;
      patch('editor', { mask: snap.mask, drawn: snap.drawn, sketchDrawn: snap.sketchDrawn, sketchSource: snap.sketchSource, undoDepth: undoStack.length });
      if (sketchChanged) inputChanged((m) => m === 'sketch');
    },
    loadDrawnImage(image) {
      if (image.length !== side * side || !image.every((v) => Number.isFinite(v))) return;
      pushUndo();
      patch('editor', { source: 'drawn', drawn: image.slice(), layer: get().config.mode === 'inpaint' ? 'mask' : 'image' });
      if (get().trajectory.run && modeUsesImage(get().config.mode)) {
        cancelRun();
        patch('trajectory', { stale: true });
      }
    },

    // ---- sketch editor -----------------------------------------------------------------------
    pickSketchImage(index) {
      const { samples, editor } = get();
      if (!Number.isInteger(index) || index < 0 || (samples.status === 'ready' && index >= samples.count)) return;
      if (editor.sketchSource === 'test' && editor.testIndex === index) return;
      pushUndo();
      patch('editor', { sketchSource: 'test', testIndex: index });
      inputChanged((m) => m === 'sketch' || modeUsesImage(m));
    },
    setSketch(sketch) {
      if (sketch.length !== side * side) return;
      pushUndo();
      patch('editor', { sketchSource: 'drawn', sketchDrawn: sketch.map((v) => (v > 0.5 ? 1 : 0)) });
      inputChanged((m) => m === 'sketch');
    },
    sketchStrokeTo(a, b) {
      const { editor } = get();
      // Drawing on a test image's sketch edits a copy of it: it becomes the user's own.
      const base = editor.sketchSource === 'drawn' ? editor.sketchDrawn : (sketchImage() ?? new Float32Array(side * side));
      const value = editor.tool === 'eraser' ? 0 : 1;
      patch('editor', { sketchSource: 'drawn', sketchDrawn: paintStroke(base, side, a, b, editor.sketchBrushSize, value) });
      inputChanged((m) => m === 'sketch');
    },
    clearSketch() {
      pushUndo();
      patch('editor', { sketchSource: 'drawn', sketchDrawn: new Float32Array(side * side) });
      inputChanged((m) => m === 'sketch');
    },
    setSketchBrushSize(size) {
      if (!Number.isFinite(size)) return;
      patch('editor', { sketchBrushSize: Math.min(4, Math.max(0.5, size)) });
    },

    // ---- representation map ------------------------------------------------------------------
    pickReprPoint(index) {
      const { points } = get().samples;
      if (!Number.isInteger(index) || index < 0 || (points !== null && index >= points.count)) return;
      if (index === get().editor.reprPoint) return;
      patch('editor', { reprPoint: index });
      inputChanged((m) => m === 'representation');
    },
    pickReprAt(p) {
      const { points } = get().samples;
      if (!points) return -1;
      const index = nearestPoint(points, p);
      if (index >= 0) actions.pickReprPoint(index);
      return index;
    },
    async runFromMap(p) {
      if (actions.pickReprAt(p) < 0) return;
      parts.run.actions.setConfig({ mode: 'representation' });
      await parts.run.actions.generate();
    },
  };

  return { actions };
}
