/**
 * The image source of inpainting and classification: one of the bundled Fashion-MNIST test images
 * (scrollable thumbnails, filter by class) or an image you draw. For inpainting, a mask editor on top:
 * brush (hide) and eraser (reveal) with a size, box and half-image presets, clear and undo (Ctrl+Z).
 * Hidden pixels are tinted amber; they are what the model generates, the rest is kept.
 */
import { useEffect, useId, useState, type ChangeEvent } from 'react';
import { DEFAULT_GEOMETRY, hiddenCount, type EditorSource, type MaskPreset } from '../store/index.ts';
import { drawModelImage, thumbnailUrl } from './draw.ts';
import { ACCEPTED_TYPES, imageFileToModelSpace, MAX_UPLOAD_BYTES, UploadError } from './upload.ts';
import { useActions, useApp, useAppStore } from './store-context.tsx';
import { useStoreCanvas } from './useStoreCanvas.ts';
import { useStrokePointer } from './useStrokePointer.ts';

const EDITOR_SIZE = 256;
const SIDE = 32;

/** Thumbnails of the bundled test images (filter by class); `active` says whether the pick is in use. */
export function SamplePicker({ active, onPick }: { active: boolean; onPick: (index: number) => void }) {
  const samples = useApp((s) => s.samples);
  const testIndex = useApp((s) => s.editor.testIndex);
  const classFilter = useApp((s) => s.editor.classFilter);
  const { setClassFilter, loadSamples } = useActions();
  const filterId = useId();
  if (samples.status === 'loading') return <p className="muted">Loading test images…</p>;
  if (samples.status === 'error' || !samples.images) {
    return (
      <div role="alert" className="error-box">
        <p>Could not load the test images: {samples.error}</p>
        <button type="button" onClick={() => void loadSamples()}>
          Retry
        </button>
      </div>
    );
  }
  const n = samples.size * samples.size;
  const indices = samples.labels.map((_, i) => i).filter((i) => classFilter === null || samples.labels[i] === classFilter);
  return (
    <div className="picker">
      <div className="field inline-field">
        <label htmlFor={filterId}>Show class</label>
        <select
          id={filterId}
          value={classFilter ?? ''}
          onChange={(e) => setClassFilter(e.target.value === '' ? null : Number(e.target.value))}
          data-testid="class-filter"
        >
          <option value="">All classes ({samples.count})</option>
          {samples.classNames.map((name, c) => (
            <option key={name} value={c}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <div className="thumbs" role="group" aria-label="Test images">
        {indices.map((i) => {
          const selected = active && testIndex === i;
          const name = samples.classNames[samples.labels[i] ?? 0] ?? '';
          return (
            <button
              key={i}
              type="button"
              className="thumb"
              aria-pressed={selected}
              aria-label={`Test image #${i}: ${name}`}
              title={`#${i} · ${name}`}
              onClick={() => onPick(i)}
              data-testid={`thumb-${i}`}
            >
              <img src={thumbnailUrl(`test/${i}`, samples.images!.subarray(i * n, (i + 1) * n), samples.size)} alt="" width={28} height={28} />
            </button>
          );
        })}
      </div>
    </div>
  );
}

/** The editor canvas: the source image with the mask tinted; pointer strokes paint the active layer. */
function EditorCanvas({ withMask }: { withMask: boolean }) {
  const store = useAppStore();
  const layer = useApp((s) => s.editor.layer);
  const tool = useApp((s) => s.editor.tool);
  const canvasRef = useStoreCanvas(
    (s) => [s.editor.mask, s.editor.drawn, s.editor.source, s.samples.images, withMask],
    (ctx, s) => drawModelImage(ctx, s.actions.sourceImage() ?? new Float32Array(SIDE * SIDE).fill(-1), withMask ? s.editor.mask : null),
    { immediate: true },
  );

  const paints = withMask || layer === 'image';
  const strokes = useStrokePointer(SIDE, (a, b) => store.getState().actions.strokeTo(a, b), paints);

  return (
    <canvas
      ref={canvasRef}
      className={`editor-canvas${paints ? ' paintable' : ''}`}
      width={EDITOR_SIZE}
      height={EDITOR_SIZE}
      data-testid="editor-canvas"
      role="img"
      aria-label={
        withMask
          ? `The image to inpaint; amber pixels are hidden and will be generated. Drag to ${tool === 'brush' ? 'hide' : 'reveal'} pixels.`
          : 'The image to classify.'
      }
      {...strokes}
    />
  );
}

const PRESETS: readonly { preset: MaskPreset; label: string }[] = [
  { preset: 'box', label: 'Centre box' },
  { preset: 'left', label: 'Left half' },
  { preset: 'right', label: 'Right half' },
  { preset: 'top', label: 'Top half' },
  { preset: 'bottom', label: 'Bottom half' },
];

function Tools({ withMask }: { withMask: boolean }) {
  const tool = useApp((s) => s.editor.tool);
  const layer = useApp((s) => s.editor.layer);
  const brushSize = useApp((s) => s.editor.brushSize);
  const drawn = useApp((s) => s.editor.source === 'drawn');
  const undoDepth = useApp((s) => s.editor.undoDepth);
  const hidden = useApp((s) => hiddenCount(s.editor.mask));
  const actions = useActions();
  const sizeId = useId();
  const paintingImage = drawn && layer === 'image';
  return (
    <div className="tools">
      {drawn && withMask && (
        <div className="segmented" role="radiogroup" aria-label="Paint on">
          <label>
            <input type="radio" name="layer" checked={layer === 'image'} onChange={() => actions.setLayer('image')} />
            <span>Paint the image</span>
          </label>
          <label>
            <input type="radio" name="layer" checked={layer === 'mask'} onChange={() => actions.setLayer('mask')} />
            <span>Paint the mask</span>
          </label>
        </div>
      )}
      <div className="segmented" role="radiogroup" aria-label="Tool">
        <label>
          <input type="radio" name="tool" checked={tool === 'brush'} onChange={() => actions.setTool('brush')} />
          <span>{paintingImage ? 'Pen (white)' : 'Brush: hide'}</span>
        </label>
        <label>
          <input type="radio" name="tool" checked={tool === 'eraser'} onChange={() => actions.setTool('eraser')} />
          <span>{paintingImage ? 'Eraser' : 'Eraser: keep'}</span>
        </label>
      </div>
      <div className="field">
        <label htmlFor={sizeId}>
          Size <output htmlFor={sizeId}>{brushSize}</output> px
        </label>
        <input id={sizeId} type="range" min={0.5} max={8} step={0.5} value={brushSize} onChange={(e) => actions.setBrushSize(Number(e.target.value))} />
      </div>
      {withMask && (
        <div className="presets" role="group" aria-label="Mask presets">
          {PRESETS.map(({ preset, label }) => (
            <button key={preset} type="button" onClick={() => actions.applyMaskPreset(preset)} data-testid={`preset-${preset}`}>
              {label}
            </button>
          ))}
        </div>
      )}
      <div className="presets">
        <button type="button" onClick={actions.clearLayer}>
          {paintingImage ? 'Clear image' : 'Clear mask'}
        </button>
        <button type="button" onClick={actions.undo} disabled={undoDepth === 0} title="Undo (Ctrl+Z)">
          Undo
        </button>
      </div>
      {withMask && (
        <p className="muted small" aria-live="polite">
          {Math.round((hidden / (SIDE * SIDE)) * 100)}% hidden ({hidden} of {SIDE * SIDE} pixels).
        </p>
      )}
    </div>
  );
}

/**
 * An editor's source, a bundled test image or the user's own drawing, as two radio buttons. `name` is the
 * radio group's name and the prefix of their test ids (`${name}-test`, `${name}-drawn`).
 */
export function SourceSwitch({ name, label, testLabel, source, onTest, onDrawn }: {
  name: string;
  label: string;
  testLabel: string;
  source: EditorSource;
  onTest: () => void;
  onDrawn: () => void;
}) {
  return (
    <div className="segmented" role="radiogroup" aria-label={label}>
      <label>
        <input type="radio" name={name} checked={source === 'test'} onChange={onTest} data-testid={`${name}-test`} />
        <span>{testLabel}</span>
      </label>
      <label>
        <input type="radio" name={name} checked={source === 'drawn'} onChange={onDrawn} data-testid={`${name}-drawn`} />
        <span>Draw your own</span>
      </label>
    </div>
  );
}

export function PickedCaption() {
  const testIndex = useApp((s) => s.editor.testIndex);
  const label = useApp((s) => s.samples.labels[s.editor.testIndex]);
  const name = useApp((s) => (label === undefined ? undefined : s.samples.classNames[label]));
  if (name === undefined) return null;
  return (
    <p className="small picked" data-testid="picked-caption">
      Test image #{testIndex}: <strong>{name}</strong>
    </p>
  );
}

/** Ctrl+Z / Cmd+Z undoes the last editor change (text fields keep their own undo). */
export function useUndoShortcut(): void {
  const store = useAppStore();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.key.toLowerCase() !== 'z') return;
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'TEXTAREA' || (target.tagName === 'INPUT' && (target as HTMLInputElement).type === 'number'))) return;
      e.preventDefault();
      store.getState().actions.undo();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
}

/** Upload your own image: it becomes the drawn image (undo brings back the previous one). */
function UploadField() {
  const store = useAppStore();
  const id = useId();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // The file now in use (the native input is emptied after each upload, so it cannot name it).
  const [loaded, setLoaded] = useState<string | null>(null);
  const onChange = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    setBusy(true);
    try {
      const geometry = store.getState().engine.config ?? DEFAULT_GEOMETRY;
      const image = await imageFileToModelSpace(file, geometry);
      store.getState().actions.loadDrawnImage(image);
      setLoaded(file.name);
      setMessage({ ok: true, text: `Loaded “${file.name}” as a ${geometry.dataSize}×${geometry.dataSize} greyscale image. Undo brings back the previous one.` });
    } catch (err) {
      const text = err instanceof UploadError ? err.message : `“${file.name}” could not be read: ${err instanceof Error ? err.message : String(err)}`;
      setMessage({ ok: false, text });
    } finally {
      setBusy(false);
      input.value = ''; // the same file can be chosen again
    }
  };
  return (
    <div className="field upload-field">
      <span id={`${id}-what`}>Upload an image (PNG, JPEG or WebP, up to {MAX_UPLOAD_BYTES / (1024 * 1024)} MB)</span>
      <span className="file-row">
        {/* The native input stays (keyboard, screen readers, drag and drop); the label is its visible button. */}
        <input
          id={id}
          className="file-input"
          type="file"
          accept={ACCEPTED_TYPES.join(',')}
          disabled={busy}
          onChange={(e) => void onChange(e)}
          aria-labelledby={`${id}-what`}
          data-testid="upload-input"
        />
        <label htmlFor={id} className="file-button" aria-hidden="true">
          {busy ? 'Reading…' : loaded ? 'Choose another file…' : 'Choose a file…'}
        </label>
        <span className="file-name muted small" data-testid="upload-name">
          {loaded ? `In use: ${loaded}` : 'No file loaded'}
        </span>
      </span>
      {message &&
        (message.ok ? (
          <p className="muted small" role="status" data-testid="upload-ok">
            {message.text}
          </p>
        ) : (
          <p className="error-box" role="alert" data-testid="upload-error">
            {message.text}
          </p>
        ))}
    </div>
  );
}

export function ImageSource() {
  const mode = useApp((s) => s.config.mode);
  const source = useApp((s) => s.editor.source);
  const testIndex = useApp((s) => s.editor.testIndex);
  const { pickDrawnImage, pickTestImage } = useActions();
  if (mode !== 'inpaint' && mode !== 'classify') return null;
  const withMask = mode === 'inpaint';
  return (
    <section className="panel image-source" aria-labelledby="source-title">
      <h2 id="source-title">{withMask ? 'Image and mask' : 'Image to classify'}</h2>
      <SourceSwitch name="source" label="Image source" testLabel="Test image" source={source} onTest={() => pickTestImage(testIndex)} onDrawn={pickDrawnImage} />
      <UploadField />
      <div className="editor-layout">
        <EditorCanvas withMask={withMask} />
        {(withMask || source === 'drawn') && <Tools withMask={withMask} />}
      </div>
      {source === 'test' && <PickedCaption />}
      {source === 'test' && <SamplePicker active onPick={pickTestImage} />}
      {withMask && (
        <p className="muted small">
          Amber = hidden: the model generates it. Everything else is kept from the image, in every frame of the run.
        </p>
      )}
    </section>
  );
}
