/**
 * URL-hash persistence of the run config and the drawn head: a shareable link reproduces the run
 * (same seed, same trajectory). Format: `#mode=joint&sampler=ddim&steps=50&eta=0&seed=42&batch=1&class=0&guidance=0&clip=1&paste=0&head=z`.
 * Unknown keys are ignored; invalid values fall back to the defaults (sanitizeConfig clamps the rest).
 */
import type { Mode } from '../engine/protocol.ts';
import { AVAILABLE_HEADS, AVAILABLE_MODES, DEFAULT_CONFIG, sanitizeConfig, type AppStore, type Head, type RunConfig } from './store.ts';

export interface HashState {
  readonly config: Partial<RunConfig>;
  readonly head?: Head;
}

export function hashOf(config: RunConfig, head: Head): string {
  const p = new URLSearchParams({
    mode: config.mode,
    sampler: config.sampler,
    steps: String(config.steps),
    eta: String(config.eta),
    seed: String(config.seed),
    batch: String(config.batch),
    class: String(config.classId),
    guidance: String(config.guidance),
    clip: config.clipX0 ? '1' : '0',
    paste: config.paste ? '1' : '0',
    head,
  });
  return `#${p.toString()}`;
}

export function parseHash(hash: string): HashState {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const config: { -readonly [K in keyof RunConfig]?: RunConfig[K] } = {};
  const num = (key: string): number | undefined => {
    const v = p.get(key);
    if (v === null || v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const mode = p.get('mode');
  if (mode !== null && (AVAILABLE_MODES as readonly string[]).includes(mode)) config.mode = mode as Mode;
  const sampler = p.get('sampler');
  if (sampler === 'ddim' || sampler === 'ddpm') config.sampler = sampler;
  const steps = num('steps');
  if (steps !== undefined) config.steps = steps;
  const eta = num('eta');
  if (eta !== undefined) config.eta = eta;
  const seed = num('seed');
  if (seed !== undefined) config.seed = seed;
  const batch = num('batch');
  if (batch === 1 || batch === 16) config.batch = batch;
  const classId = num('class');
  if (classId !== undefined) config.classId = classId;
  const guidance = num('guidance');
  if (guidance !== undefined) config.guidance = guidance;
  const clip = p.get('clip');
  if (clip === '0' || clip === '1') config.clipX0 = clip === '1';
  const paste = p.get('paste');
  if (paste === '0' || paste === '1') config.paste = paste === '1';
  // Round-trip through the sanitiser, keeping only the keys the hash named.
  const clean = sanitizeConfig({ ...DEFAULT_CONFIG, ...config });
  const out: Partial<RunConfig> = Object.fromEntries(Object.keys(config).map((k) => [k, clean[k as keyof RunConfig]]));
  const head = p.get('head');
  return head !== null && (AVAILABLE_HEADS as readonly string[]).includes(head) ? { config: out, head: head as Head } : { config: out };
}

/**
 * Applies the hash to the store, then keeps the hash in step with the config and head (replaceState:
 * no history entry per slider move). Returns the unsubscribe function.
 */
export function syncWithHash(store: AppStore, location: { hash: string }, replace: (hash: string) => void): () => void {
  const initial = parseHash(location.hash);
  const { actions } = store.getState();
  if (Object.keys(initial.config).length > 0) actions.setConfig(initial.config);
  if (initial.head) actions.setHead(initial.head);
  let last = '';
  const write = () => {
    const s = store.getState();
    const hash = hashOf(s.config, s.view.head);
    if (hash !== last) {
      last = hash;
      replace(hash);
    }
  };
  write();
  return store.subscribe(write);
}
