/**
 * Sketch mode's input (image transition, sketch -> image): the edge map of a bundled test image, computed
 * exactly as in training (sketchOf = data.py sketch_of: integer Sobel, |g|^2 > 160^2), or a sketch you
 * draw. Drawing on a test image's sketch edits a copy of it. Pen / eraser with a size, clear and undo
 * (Ctrl+Z), as in the mask editor.
 */
import { useId } from 'react';
import { edgeCount } from '../store/index.ts';
import { drawSketch } from './draw.ts';
import { PickedCaption, SamplePicker, SourceSwitch } from './MaskEditor.tsx';
import { useActions, useApp, useAppStore } from './store-context.tsx';
import { useStoreCanvas } from './useStoreCanvas.ts';
import { useStrokePointer } from './useStrokePointer.ts';

const EDITOR_SIZE = 256;
const SIDE = 32;

function SketchCanvas() {
  const store = useAppStore();
  const canvasRef = useStoreCanvas(
    (s) => [s.editor.sketchDrawn, s.editor.sketchSource, s.editor.testIndex, s.samples.images],
    (ctx, s, canvas) => {
      const sketch = s.actions.sketchImage() ?? new Float32Array(SIDE * SIDE);
      // Under a test image's sketch, the image itself, dimmed: you see what the edges outline.
      const under = s.editor.sketchSource === 'test' ? s.actions.testImage(s.editor.testIndex) : null;
      drawSketch(ctx, sketch, under);
      canvas.dataset['edges'] = String(edgeCount(sketch));
    },
    { immediate: true },
  );

  const strokes = useStrokePointer(SIDE, (a, b) => store.getState().actions.sketchStrokeTo(a, b));

  return (
    <canvas
      ref={canvasRef}
      className="editor-canvas paintable"
      width={EDITOR_SIZE}
      height={EDITOR_SIZE}
      data-testid="sketch-canvas"
      role="img"
      aria-label="The sketch (edge map) the image is generated from; drag to draw edges."
      {...strokes}
    />
  );
}

function SketchTools() {
  const tool = useApp((s) => s.editor.tool);
  const size = useApp((s) => s.editor.sketchBrushSize);
  const undoDepth = useApp((s) => s.editor.undoDepth);
  const actions = useActions();
  const sizeId = useId();
  return (
    <div className="tools">
      <div className="segmented" role="radiogroup" aria-label="Sketch tool">
        <label>
          <input type="radio" name="sketch-tool" checked={tool === 'brush'} onChange={() => actions.setTool('brush')} />
          <span>Pen (edge)</span>
        </label>
        <label>
          <input type="radio" name="sketch-tool" checked={tool === 'eraser'} onChange={() => actions.setTool('eraser')} />
          <span>Eraser</span>
        </label>
      </div>
      <div className="field">
        <label htmlFor={sizeId}>
          Size <output htmlFor={sizeId}>{size}</output> px
        </label>
        <input id={sizeId} type="range" min={0.5} max={4} step={0.25} value={size} onChange={(e) => actions.setSketchBrushSize(Number(e.target.value))} />
      </div>
      <div className="presets">
        <button type="button" onClick={actions.clearSketch} data-testid="sketch-clear">
          Clear sketch
        </button>
        <button type="button" onClick={actions.undo} disabled={undoDepth === 0} title="Undo (Ctrl+Z)">
          Undo
        </button>
      </div>
    </div>
  );
}

function EdgeCount() {
  const edges = useApp((s) => {
    const sketch = s.editor.sketchSource === 'drawn' ? s.editor.sketchDrawn : s.samples.images ? s.actions.sketchImage() : null;
    return sketch ? edgeCount(sketch) : null;
  });
  if (edges === null) return null;
  return (
    <p className="muted small" aria-live="polite">
      {edges} edge pixels of {SIDE * SIDE}.
    </p>
  );
}

export function SketchPanel() {
  const mode = useApp((s) => s.config.mode);
  const source = useApp((s) => s.editor.sketchSource);
  const testIndex = useApp((s) => s.editor.testIndex);
  const { pickSketchImage, clearSketch } = useActions();
  if (mode !== 'sketch') return null;
  return (
    <section className="panel image-source" aria-labelledby="sketch-title">
      <h2 id="sketch-title">Sketch</h2>
      <SourceSwitch name="sketch-source" label="Sketch source" testLabel="A test image's edges" source={source} onTest={() => pickSketchImage(testIndex)} onDrawn={clearSketch} />
      <div className="editor-layout">
        <SketchCanvas />
        <SketchTools />
      </div>
      <EdgeCount />
      {source === 'test' && <PickedCaption />}
      <SamplePicker active={source === 'test'} onPick={pickSketchImage} />
      <p className="muted small">
        The edge map is computed from the picked image exactly as in training (Sobel, |g|² &gt; 160²). Drawing on it makes it your own sketch.
      </p>
    </section>
  );
}
