/**
 * URL-hash persistence of the run config and the drawn head: a shareable link reproduces the run
 * (same seed, same trajectory). Format: `#mode=joint&sampler=ddim&steps=50&eta=0&seed=42&batch=1&class=0&guidance=0&clip=1&paste=0&head=z`.
 *
 * A link is untrusted input. Unknown keys, invalid values and out-of-range numbers are rejected or
 * clamped, and every such change produces a notice (plain text, shown as text, never as markup): the
 * user learns that the link said something this page did not do. A hash longer than MAX_HASH_LENGTH
 * is ignored as a whole.
 */
import type { Mode } from '../engine/protocol.ts';
import { AVAILABLE_HEADS, AVAILABLE_MODES, DEFAULT_CONFIG, sanitizeConfig, type AppStore, type Head, type RunConfig } from './store.ts';

/** Longer hashes are not parsed at all (a real link is under 200 characters). */
export const MAX_HASH_LENGTH = 1024;

export interface HashState {
  readonly config: Partial<RunConfig>;
  readonly head?: Head;
  /** What was rejected or clamped, one sentence each. */
  readonly notices: readonly string[];
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

const KEYS = ['mode', 'sampler', 'steps', 'eta', 'seed', 'batch', 'class', 'guidance', 'clip', 'paste', 'head'] as const;
/** Hash key -> RunConfig field, for the numeric settings. */
const NUMERIC: Readonly<Record<string, keyof RunConfig>> = { steps: 'steps', eta: 'eta', seed: 'seed', class: 'classId', guidance: 'guidance' };

/** A value from the link, shortened and quoted for a notice (React renders it as text). */
function shown(v: string): string {
  const flat = v.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > 32 ? `${flat.slice(0, 32)}…` : flat);
}

export function parseHash(hash: string): HashState {
  const raw = hash.replace(/^#/, '');
  if (raw.length > MAX_HASH_LENGTH) {
    return { config: {}, notices: [`The link's settings are ${raw.length} characters long (at most ${MAX_HASH_LENGTH}); they were ignored.`] };
  }
  const p = new URLSearchParams(raw);
  const notices: string[] = [];
  const config: { -readonly [K in keyof RunConfig]?: RunConfig[K] } = {};
  const unknown = [...new Set([...p.keys()].filter((k) => !(KEYS as readonly string[]).includes(k)))];
  if (unknown.length > 0) {
    notices.push(`Ignored ${unknown.length === 1 ? 'a setting' : 'settings'} this page does not have: ${unknown.slice(0, 5).map(shown).join(', ')}${unknown.length > 5 ? '…' : ''}.`);
  }
  const reject = (key: string, v: string, valid: string): void => {
    notices.push(`Ignored ${key} = ${shown(v)} from the link (${valid}).`);
  };
  const mode = p.get('mode');
  if (mode !== null) {
    if ((AVAILABLE_MODES as readonly string[]).includes(mode)) config.mode = mode as Mode;
    else reject('mode', mode, `valid: ${AVAILABLE_MODES.join(', ')}`);
  }
  const sampler = p.get('sampler');
  if (sampler !== null) {
    if (sampler === 'ddim' || sampler === 'ddpm') config.sampler = sampler;
    else reject('sampler', sampler, 'valid: ddim, ddpm');
  }
  const given = new Map<keyof RunConfig, string>();
  for (const [key, field] of Object.entries(NUMERIC)) {
    const v = p.get(key);
    if (v === null) continue;
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isFinite(n)) {
      reject(key, v, 'not a number');
      continue;
    }
    (config as Record<string, number>)[field] = n;
    given.set(field, key);
  }
  const batch = p.get('batch');
  if (batch !== null) {
    if (batch === '1' || batch === '16') config.batch = batch === '1' ? 1 : 16;
    else reject('batch', batch, 'valid: 1, 16');
  }
  const clip = p.get('clip');
  if (clip !== null) {
    if (clip === '0' || clip === '1') config.clipX0 = clip === '1';
    else reject('clip', clip, 'valid: 0, 1');
  }
  const paste = p.get('paste');
  if (paste !== null) {
    if (paste === '0' || paste === '1') config.paste = paste === '1';
    else reject('paste', paste, 'valid: 0, 1');
  }
  // Round-trip through the sanitiser, keeping only the keys the hash named; say what was clamped.
  const clean = sanitizeConfig({ ...DEFAULT_CONFIG, ...config });
  const out: Partial<RunConfig> = Object.fromEntries(Object.keys(config).map((k) => [k, clean[k as keyof RunConfig]]));
  for (const [field, key] of given) {
    const asked = config[field] as number;
    const used = clean[field] as number;
    if (asked !== used) notices.push(`${key} = ${shown(String(asked))} is out of range; using ${used}.`);
  }
  const head = p.get('head');
  if (head !== null && !(AVAILABLE_HEADS as readonly string[]).includes(head)) reject('head', head, `valid: ${AVAILABLE_HEADS.join(', ')}`);
  const base = { config: out, notices };
  return head !== null && (AVAILABLE_HEADS as readonly string[]).includes(head) ? { ...base, head: head as Head } : base;
}

/**
 * Applies the hash to the store (its notices become store notices), then keeps the hash in step with
 * the config and head (replaceState: no history entry per slider move). Returns the unsubscribe function.
 */
export function syncWithHash(store: AppStore, location: { hash: string }, replace: (hash: string) => void): () => void {
  const initial = parseHash(location.hash);
  const { actions } = store.getState();
  if (Object.keys(initial.config).length > 0) actions.setConfig(initial.config);
  if (initial.head) actions.setHead(initial.head);
  for (const text of initial.notices) actions.notify(text, 'warning');
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
