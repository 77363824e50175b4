/**
 * Which model the playground runs: the bundled one (public/weights + public/samples), one served at a
 * same-origin URL (`?model=path/`), or an exported folder from the disk ("Load model…"). Pure helpers: the
 * `?model=` parameter, where the weights are, the name shown, and what a copied link can carry.
 */
import type { Mode } from '../engine/protocol.ts';
import type { ModelConfig } from '../model/config.ts';
import type { ModelSource } from './state.ts';

export const BUNDLED: ModelSource = { kind: 'bundled' };
export const BUNDLED_NAME = 'Fashion-MNIST (bundled)';
export const MODEL_PARAM = 'model';

/**
 * `?model=path/` -> a url source, null when absent; a string (the reason) when refused. Only same-origin
 * folders: the strict CSP allows no other origin, and a link must not make the page fetch elsewhere.
 */
export function parseModelParam(search: string, pageUrl: string): ModelSource | null | string {
  const value = new URLSearchParams(search).get(MODEL_PARAM);
  if (value === null) return null;
  if (value.trim() === '') return `The link's model= is empty; showing the bundled model.`;
  let url: URL;
  try {
    url = new URL(value, pageUrl);
  } catch {
    return `The link's model=“${value.slice(0, 80)}” is not a URL; showing the bundled model.`;
  }
  if (url.origin !== new URL(pageUrl).origin) {
    return `The link's model=“${value.slice(0, 80)}” is on another site (${url.origin}); only models served with the playground can be opened by a link. Showing the bundled model.`;
  }
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return { kind: 'url', url: `${url.origin}${path}`, param: value };
}

/** The search part of the page's URL for a source: `?model=` for a hosted model, nothing otherwise. */
export function searchFor(source: ModelSource): string {
  return source.kind === 'url' ? `?${MODEL_PARAM}=${encodeURIComponent(source.param).replace(/%2F/g, '/')}` : '';
}

/** The weights folder's URL (a disk folder: a placeholder the engine's file reader ignores but for the names). */
export function weightsLocation(source: ModelSource, baseUrl: string): string {
  if (source.kind === 'url') return source.url;
  if (source.kind === 'files') return `${baseUrl}local-model/`;
  return `${baseUrl}weights/`;
}

/** The name shown in the header: the config's name, else the folder's, else the bundled model's. */
export function modelName(source: ModelSource, config: Pick<ModelConfig, 'name'> | null): string {
  if (source.kind === 'bundled') return BUNDLED_NAME;
  if (config?.name) return config.name;
  return source.kind === 'files' ? source.folder : source.url;
}

/** What the copy-link note says about the model: null when the other side loads the same model. */
export function linkNote(source: ModelSource['kind'], name: string): string | null {
  if (source !== 'files') return null;
  return `This link cannot carry “${name}”: it was loaded from your disk, so whoever opens the link sees the bundled model. Serve the folder with the playground and share ?model=path/ instead.`;
}

/** What each mode needs besides the backbone: the heads and encoders it runs, and the representation map. */
const MODE_NEEDS: Record<Mode, { readonly heads: readonly string[]; readonly encoders: readonly string[]; readonly map?: true }> = {
  joint: { heads: ['eps', 'label'], encoders: ['label'] },
  unconditional: { heads: ['eps'], encoders: [] },
  conditional: { heads: ['eps'], encoders: ['label'] },
  classify: { heads: ['eps', 'label'], encoders: [] },
  inpaint: { heads: ['eps', 'masked'], encoders: ['masked'] },
  sketch: { heads: ['eps', 'sketch'], encoders: ['sketch'] },
  representation: { heads: ['eps', 'repr'], encoders: ['repr'], map: true },
};

/** Why `mode` cannot run on this model, or null when it can. */
export function modeUnavailable(
  mode: Mode,
  config: Pick<ModelConfig, 'heads' | 'encoders'> | null,
  hasMap: boolean,
): string | null {
  const need = MODE_NEEDS[mode];
  if (config !== null) {
    const head = need.heads.find((h) => !(config.heads.names as readonly string[]).includes(h));
    if (head !== undefined) return `this model has no ${head} head`;
    const enc = need.encoders.find((e) => !(config.encoders.names as readonly string[]).includes(e));
    if (enc !== undefined) return `this model has no ${enc} encoder`;
  }
  if (need.map && !hasMap) return 'this model has no representation map (its samples carry no representations)';
  return null;
}
