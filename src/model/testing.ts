/**
 * Test support for src/model (imported by *.test.ts only, never by the app): files from the
 * repository, the parity fixture written by training/export.py, and fetch shims for loadWeights.
 *
 * Node's fs is imported dynamically and typed locally: tsconfig.app.json, which type-checks src/,
 * deliberately has no Node types (they would leak Node globals into the browser code).
 */
import { loadWeights, type FetchLike, type LoadedWeights } from './weights.ts';

interface NodeFs {
  readFile(path: URL): Promise<Uint8Array>;
}

const NODE_FS = 'node:fs/promises';
let fsPromise: Promise<NodeFs> | undefined;
const nodeFs = (): Promise<NodeFs> => (fsPromise ??= import(/* @vite-ignore */ NODE_FS) as Promise<NodeFs>);

/** The repository root (src/model/../..). */
export const REPO_ROOT = new URL('../../', import.meta.url);

/** A file of the repository, by path relative to its root. */
export async function readRepoFile(path: string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = await (await nodeFs()).readFile(new URL(path, REPO_ROOT));
  return new Uint8Array(bytes); // own copy, backed by a plain ArrayBuffer
}

export async function readRepoJson(path: string): Promise<unknown> {
  return JSON.parse(new TextDecoder().decode(await readRepoFile(path))) as unknown;
}

/** public/fixtures/parity.json: image tensors NHWC flattened; batch 3 at t = [0, 500, 999]. */
export interface ParityFixture {
  readonly batch: number;
  readonly imageSize: number;
  readonly inputs: {
    readonly z: number[];
    readonly t: number[];
    readonly labelProbs: number[];
    readonly image: number[];
    readonly mask: number[];
    readonly sketch: number[];
    readonly repr: number[];
    readonly given: Record<'label' | 'masked' | 'sketch' | 'repr', number[]>;
    readonly testIndices: number[];
    readonly labels: number[];
  };
  readonly outputs: Record<'eps' | 'masked' | 'sketch' | 'label' | 'repr' | 'encoded', number[]>;
}

export async function loadParityFixture(): Promise<ParityFixture> {
  return (await readRepoJson('public/fixtures/parity.json')) as ParityFixture;
}

export const WEIGHTS_DIR = 'public/weights';
export const SHARDS = ['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin'] as const;

/** model.json and every shard of public/weights, by file name. */
export async function readWeightFiles(): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const name of ['model.json', ...SHARDS]) files.set(name, await readRepoFile(`${WEIGHTS_DIR}/${name}`));
  return files;
}

export interface MemoryFetchOptions {
  /** Bytes per stream chunk (to exercise progress and mid-stream cancellation). */
  readonly chunkBytes?: number;
  /** Called before each chunk is delivered (e.g. to abort mid-stream). */
  readonly onChunk?: (file: string, offset: number) => void;
  /** Files whose fetch rejects like a dropped connection. */
  readonly networkFailure?: readonly string[];
}

const abortError = (): Error => Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });

/**
 * A fetch over in-memory files (URL base name -> bytes) that behaves like the browser's: 404 for
 * unknown files, bodies as chunked streams, AbortError when the signal fires (before or mid-body).
 */
export function memoryFetch(files: ReadonlyMap<string, Uint8Array>, options: MemoryFetchOptions = {}): FetchLike {
  const chunk = options.chunkBytes ?? 64 * 1024;
  return (url, { signal }) => {
    if (signal.aborted) return Promise.reject(abortError());
    const file = url.slice(url.lastIndexOf('/') + 1);
    if (options.networkFailure?.includes(file)) return Promise.reject(new TypeError('fetch failed: connection reset'));
    const bytes = files.get(file);
    if (bytes === undefined) return Promise.resolve(new Response('not found', { status: 404, statusText: 'Not Found' }));
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (signal.aborted) {
          controller.error(abortError());
          return;
        }
        options.onChunk?.(file, offset);
        if (signal.aborted) {
          controller.error(abortError());
          return;
        }
        if (offset >= bytes.byteLength) {
          controller.close();
          return;
        }
        controller.enqueue(bytes.slice(offset, offset + chunk));
        offset += chunk;
      },
    });
    return Promise.resolve(new Response(body, { status: 200 }));
  };
}

/** max_i |a_i - b_i| (NaN-safe: a NaN anywhere gives Infinity). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] ?? NaN) - (b[i] ?? NaN));
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

/** Where a JSON value has something: the keys and indices from the root to each node (the root excluded). */
type JsonPath = readonly (string | number)[];

function jsonPaths(value: unknown, at: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = at.length > 0 ? [at] : [];
  if (Array.isArray(value)) value.forEach((x, i) => out.push(...jsonPaths(x, [...at, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, x] of Object.entries(value)) out.push(...jsonPaths(x, [...at, k]));
  return out;
}

/** One edit of a JSON document: delete the node at `path`, or put `value` there. */
export type JsonEdit = { readonly path: JsonPath; readonly delete: true } | { readonly path: JsonPath; readonly value: unknown };

/** A copy of `doc` with `edits` applied in turn (an edit whose path no longer exists does nothing). */
export function applyEdits(doc: unknown, edits: readonly JsonEdit[]): unknown {
  const copy = structuredClone(doc);
  for (const edit of edits) {
    let node: unknown = copy;
    for (const key of edit.path.slice(0, -1)) {
      node = typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[key] : undefined;
    }
    if (typeof node !== 'object' || node === null) continue;
    const key = edit.path.at(-1) ?? '';
    if (!('delete' in edit)) (node as Record<string | number, unknown>)[key] = edit.value;
    else if (Array.isArray(node) && typeof key === 'number') node.splice(key, 1);
    else delete (node as Record<string | number, unknown>)[key];
  }
  return copy;
}

/** The paths of `doc`, for drawing edits (fast-check: `fc.constantFrom(...editablePaths(doc))`). */
export const editablePaths = (doc: unknown): JsonPath[] => jsonPaths(doc);

/** The shipped weights (public/weights), read from the disk and loaded as the app loads them. */
export async function loadShippedWeights(): Promise<LoadedWeights> {
  return loadWeights('/weights', { fetch: memoryFetch(await readWeightFiles()) });
}
