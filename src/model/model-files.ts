/**
 * A model that is not the bundled one: an exported folder (training/export.py + export_samples.py --into)
 * chosen from the disk, or served at another same-origin URL. The disk folder is read through the same
 * loader as the bundled weights (weights.ts) by a FetchLike over its files, so it is validated the same way
 * (names, shapes, dtypes, sha256, config version) with the same messages; its test samples (samples.json,
 * samples.bin, named by model.json's "samples" and listed in its "integrity" map) are checked like a shard.
 */
import { WeightsError } from './errors.ts';
import { sha256Hex } from './digest.ts';
import { MODEL_JSON, type FetchLike } from './weights.ts';

/** The file name a URL asks for: its last path segment. */
function fileOf(url: string): string {
  const path = url.split(/[?#]/)[0] ?? '';
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

/** A fetch over files by name (a folder from the disk); a name that is not there answers HTTP 404. */
export function filesFetch(files: ReadonlyMap<string, Blob>): FetchLike {
  return (url, init) => {
    if (init.signal.aborted) return Promise.reject(new DOMException('aborted', 'AbortError'));
    const blob = files.get(fileOf(url));
    if (blob === undefined) {
      return Promise.resolve(new Response(null, { status: 404, statusText: 'Not Found (not in the chosen folder)' }));
    }
    return Promise.resolve(new Response(blob, { status: 200 }));
  };
}

/** A file chosen or dropped: its name and, from a folder picker, its path inside the chosen folder. */
export interface PickedFile {
  readonly name: string;
  readonly path: string;
  readonly blob: Blob;
}

/**
 * The exported model among picked files: the folder holding model.json (the shallowest, when a parent
 * folder was chosen) with the files beside it, by name. Throws a WeightsError naming model.json when
 * there is none.
 */
export function modelFolderFiles(picked: readonly PickedFile[]): { folder: string; files: Map<string, Blob> } {
  const dirOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
  const manifests = picked.filter((f) => f.name === MODEL_JSON).sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  const manifest = manifests[0];
  if (manifest === undefined) {
    const what = picked.length === 0 ? 'nothing was chosen' : `${picked.length} file(s) were chosen, none of them ${MODEL_JSON}`;
    throw new WeightsError(
      'http',
      `${MODEL_JSON}: not found: ${what}. Choose the folder the pipeline exported (training/runs/<run>/model), which holds ${MODEL_JSON}, its shards and samples.`,
      { file: MODEL_JSON },
    );
  }
  const folder = dirOf(manifest.path);
  const files = new Map<string, Blob>();
  for (const f of picked) if (dirOf(f.path) === folder) files.set(f.name, f.blob);
  return { folder: folder.slice(folder.lastIndexOf('/') + 1), files };
}

export interface ModelSamplesFiles {
  /** samples.json, parsed (store/samples.ts checks its fields against the images). */
  readonly index: unknown;
  readonly images: Uint8Array;
}

interface Entry {
  readonly sha256: string;
  readonly bytes: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function fetchChecked(fetchFn: FetchLike, base: string, file: string, want: Entry, signal: AbortSignal): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetchFn(`${base}${file}`, { signal });
  } catch (e) {
    throw new WeightsError('network', `${file}: network error fetching ${base}${file}: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
  if (!res.ok) throw new WeightsError('http', `${file}: HTTP ${res.status} fetching ${base}${file}`, { file });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength !== want.bytes) {
    throw new WeightsError('integrity', `${file}: size mismatch (truncated?): expected ${want.bytes} bytes, got ${bytes.byteLength}`, { file });
  }
  const sha = await sha256Hex(bytes);
  if (sha !== want.sha256) throw new WeightsError('integrity', `${file}: sha256 mismatch: expected ${want.sha256}, got ${sha}`, { file });
  return bytes;
}

/**
 * The model's own test samples, checked against model.json's integrity map; null when model.json names
 * none (then the editors have no test images and the representation map is hidden).
 */
export async function readModelSamples(fetchFn: FetchLike, baseUrl: string, signal: AbortSignal = new AbortController().signal): Promise<ModelSamplesFiles | null> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const res = await fetchFn(`${base}${MODEL_JSON}`, { signal });
  if (!res.ok) throw new WeightsError('http', `${MODEL_JSON}: HTTP ${res.status} fetching ${base}${MODEL_JSON}`, { file: MODEL_JSON });
  const raw: unknown = JSON.parse(await res.text());
  if (!isObject(raw) || !isObject(raw['samples'])) return null;
  const names = raw['samples'];
  const integrity = isObject(raw['integrity']) ? raw['integrity'] : {};
  const entry = (key: string): [string, Entry] => {
    const file = names[key];
    const e = typeof file === 'string' ? integrity[file] : undefined;
    if (typeof file !== 'string' || !/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(file) || !isObject(e) || typeof e['sha256'] !== 'string' || typeof e['bytes'] !== 'number') {
      throw new WeightsError('format', `${MODEL_JSON}: samples.${key} must name a file listed in integrity with its sha256 and bytes`, { file: MODEL_JSON });
    }
    return [file, { sha256: e['sha256'], bytes: e['bytes'] }];
  };
  const [indexFile, indexEntry] = entry('index');
  const [imagesFile, imagesEntry] = entry('images');
  const [indexBytes, images] = await Promise.all([
    fetchChecked(fetchFn, base, indexFile, indexEntry, signal),
    fetchChecked(fetchFn, base, imagesFile, imagesEntry, signal),
  ]);
  let index: unknown;
  try {
    index = JSON.parse(new TextDecoder().decode(indexBytes));
  } catch (e) {
    throw new WeightsError('format', `${indexFile}: is not valid JSON (${e instanceof Error ? e.message : String(e)})`, { file: indexFile });
  }
  return { index, images };
}
