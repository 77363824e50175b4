/**
 * The run history: every run (and every branch of a run) is a node of a small tree, and its frames
 * stay in their own FrameBuffer, so returning to a run never recomputes anything. A branch starts
 * from frame k of its parent: it holds the parent's frames 0..k-1 (the same arrays), and the engine
 * continues from the parent's z at frame k (RunRequest.start) with the branch's own settings.
 */
import { runRequest } from './request.ts';
import type { RunConfig, RunNode, RunSummary } from './state.ts';

/** Nodes in tree order (parents before children, siblings by creation) with their depth. */
export function treeOrder(nodes: readonly RunNode[]): { node: RunNode; depth: number }[] {
  const children = new Map<string | null, RunNode[]>();
  const ids = new Set(nodes.map((n) => n.runId));
  for (const n of nodes) {
    const key = n.parentId !== null && ids.has(n.parentId) ? n.parentId : null;
    children.set(key, [...(children.get(key) ?? []), n]);
  }
  const out: { node: RunNode; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const n of children.get(parent) ?? []) {
      out.push({ node: n, depth });
      walk(n.runId, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** What differs in a branch from its parent, in words ("seed 7, DDPM"). */
export function branchChanges(parent: RunSummary, child: RunSummary): string {
  const out: string[] = [];
  if (child.mode !== parent.mode) out.push(`mode ${child.mode}`);
  if (child.seed !== parent.seed) out.push(`seed ${child.seed}`);
  if (child.sampler !== parent.sampler) out.push(child.sampler.toUpperCase());
  if (child.sampler === 'ddim' && child.eta !== parent.eta) out.push(`η ${child.eta}`);
  if (child.classId !== parent.classId && child.mode === 'conditional') out.push(`class ${child.classId}`);
  if (child.labelGuidance !== parent.labelGuidance) out.push(`label guidance ${child.labelGuidance}`);
  if (child.driftGuidance !== parent.driftGuidance) out.push(`drift guidance ${child.driftGuidance}`);
  if (child.labelCommit !== parent.labelCommit && child.mode === 'joint') out.push(`label commitment ${child.labelCommit}`);
  if (child.clipX0 !== parent.clipX0) out.push(child.clipX0 ? 'clip' : 'no clip');
  if (child.x0From !== parent.x0From) out.push(`x̂₀ from ${child.x0From}`);
  if (child.paste !== parent.paste && child.mode === 'inpaint') out.push(child.paste ? 'paste' : 'drift only (no paste)');
  if (child.reprPoint !== parent.reprPoint && child.reprPoint !== null) out.push(`point ${child.reprPoint}`);
  const sketchA = parent.sketch;
  const sketchB = child.sketch;
  if (sketchA && sketchB && sketchA.some((v, i) => v !== sketchB[i])) out.push('sketch');
  const maskA = parent.mask;
  const maskB = child.mask;
  if ((maskA === null) !== (maskB === null) || (maskA && maskB && maskA.some((v, i) => v !== maskB[i]))) out.push('mask');
  return out.length ? out.join(', ') : 'same settings';
}

/**
 * Whether the seed changes anything after step k: DDIM with eta = 0 is deterministic once z_k is given (the
 * seed only drew z_T), DDPM and DDIM with eta > 0 draw fresh noise every step, and inpainting with paste
 * re-noises the visible pixels every step (samplers.ts stepNoise, pasteNoise).
 */
export function seedActsAfterStart(config: Pick<RunConfig, 'mode' | 'sampler' | 'eta' | 'paste'>): boolean {
  return config.sampler === 'ddpm' || config.eta > 0 || (config.mode === 'inpaint' && config.paste);
}

/**
 * Whether a branch of `parent` with the settings `next` (and the editor's inpainting mask `mask`) would
 * retrace the parent exactly: 'same' (nothing that the engine reads changed), 'seed' (only the seed
 * changed, and the seed acts only on z_T: seedActsAfterStart), or null (the branch differs). The branch
 * keeps the parent's steps and batch; the settings are compared as the engine request the run sends.
 */
export function branchRetraces(parent: RunSummary, next: RunConfig, mask: Float32Array | null): 'same' | 'seed' | null {
  const none = { image: null, mask: null, sketch: null, repr: null };
  const a = runRequest('', { ...parent, seed: 0 }, none);
  const b = runRequest('', { ...next, steps: parent.steps, batch: parent.batch, seed: 0 }, none);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof typeof a>;
  for (const k of keys) if (a[k] !== b[k]) return null;
  const maskB = next.mode === 'inpaint' ? mask : null;
  if ((parent.mask === null) !== (maskB === null) || (parent.mask && maskB && parent.mask.some((v, i) => v !== maskB[i]))) return null;
  if (next.seed === parent.seed) return 'same';
  return seedActsAfterStart(next) ? null : 'seed';
}
