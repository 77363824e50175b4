/**
 * The model in use, in the header: its name, "Load model…" (a folder picker for the folder the pipeline
 * exported: model.json, its shards and samples), a drop zone for the same folder, and the bundled model
 * one click away (a choice without model.json is said in a notice). Loading goes through the store (model-actions.ts), so the folder is validated exactly
 * like the bundled weights and its errors appear in the status panel. The page's `?model=` follows: kept
 * for a hosted model, dropped for the bundled one or a folder from the disk.
 */
import { useRef, useState, type DragEvent } from 'react';
import { modelFolderFiles, type PickedFile } from '../model/model-files.ts';
import { BUNDLED, BUNDLED_NAME, type ModelSource } from '../store/index.ts';
import { useActions, useApp } from './store-context.tsx';

/** Files chosen with the folder picker (webkitRelativePath is "folder/.../name"). */
function pickedFromInput(list: FileList): PickedFile[] {
  return Array.from(list, (f) => ({ name: f.name, path: f.webkitRelativePath || f.name, blob: f }));
}

/** Everything dropped: folders walked (FileSystemEntry API), loose files as they are. */
async function pickedFromDrop(dt: DataTransfer): Promise<PickedFile[]> {
  const entries = Array.from(dt.items, (item) => item.webkitGetAsEntry?.() ?? null).filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return Array.from(dt.files, (f) => ({ name: f.name, path: f.name, blob: f }));
  const out: PickedFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ name: file.name, path, blob: file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, path);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return out;
}

/** Keeps `?model=` in the address bar (and so in copied links) only for a hosted model. */
function followInAddressBar(source: ModelSource): void {
  const url = new URL(window.location.href);
  if (source.kind === 'url') url.searchParams.set('model', source.param);
  else url.searchParams.delete('model');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
}

export function ModelPicker() {
  const name = useApp((s) => s.model.name);
  const source = useApp((s) => s.model.source);
  const classes = useApp((s) => s.engine.config?.classNames.length ?? null);
  const { loadModel, notify } = useActions();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  // A choice that holds no model is said in a notice (the header has a fixed height on wide screens).
  const setError = (message: string) => notify(message, 'error');

  const switchTo = (next: ModelSource) => {
    followInAddressBar(next);
    void loadModel(next);
  };
  const open = (picked: readonly PickedFile[]) => {
    try {
      const { folder, files } = modelFolderFiles(picked);
      switchTo({ kind: 'files', folder, files });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    pickedFromDrop(e.dataTransfer).then(open, (err: unknown) => setError(`The dropped items could not be read: ${err instanceof Error ? err.message : String(err)}`));
  };

  return (
    <section
      className={`model-picker${over ? ' drop-over' : ''}`}
      aria-label="Model"
      title="Load model… chooses an exported model folder; you can also drop the folder on this box"
      data-testid="model-picker"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p className="model-name" title={classes !== null ? `${name} · ${classes} classes` : name}>
        Model: <strong data-testid="model-name">{name}</strong>
        {classes !== null ? <span className="muted model-classes"> · {classes} classes</span> : null}
      </p>
      <div className="model-actions">
        <button type="button" onClick={() => input.current?.click()} data-testid="load-model" title="Choose the folder the training pipeline exported (training/runs/<run>/model)">
          Load model…
        </button>
        {source !== 'bundled' ? (
          <button type="button" onClick={() => switchTo(BUNDLED)} data-testid="use-bundled" title={`Back to ${BUNDLED_NAME}`}>
            Use the bundled model
          </button>
        ) : null}
        <span className="muted drop-hint">or drop its folder here</span>
      </div>
      <input
        ref={input}
        type="file"
        hidden
        multiple
        {...{ webkitdirectory: '' }}
        onChange={(e) => {
          if (e.target.files) open(pickedFromInput(e.target.files));
          e.target.value = '';
        }}
        data-testid="model-files"
      />
    </section>
  );
}
