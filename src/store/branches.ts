/**
 * The run history: every run (and every branch of a run) is a node of a small tree, and its frames
 * stay in their own FrameBuffer, so returning to a run never recomputes anything. A branch starts
 * from frame k of its parent: it holds the parent's frames 0..k-1 (the same arrays), and the engine
 * continues from the parent's z at frame k (RunRequest.start) with the branch's own settings.
 */
import { SAMPLER_INFO, type RunNode, type RunSummary } from './state.ts';

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
  if (child.sampler !== parent.sampler) out.push(SAMPLER_INFO[child.sampler].title);
  if (SAMPLER_INFO[child.sampler].usesEta && child.eta !== parent.eta) out.push(`η ${child.eta}`);
  if (child.classId !== parent.classId && child.mode === 'conditional') out.push(`class ${child.classId}`);
  if (child.labelGuidance !== parent.labelGuidance) out.push(`label guidance ${child.labelGuidance}`);
  if (child.driftGuidance !== parent.driftGuidance) out.push(`drift guidance ${child.driftGuidance}`);
  if (child.labelCommit !== parent.labelCommit && child.mode === 'joint') out.push(`label commitment ${child.labelCommit}`);
  if (child.clipX0 !== parent.clipX0) out.push(child.clipX0 ? 'clip' : 'no clip');
  if (child.x0From !== parent.x0From) out.push(`x̂₀ from ${child.x0From}`);
  if (child.reprPoint !== parent.reprPoint && child.reprPoint !== null) out.push(`point ${child.reprPoint}`);
  const sketchA = parent.sketch;
  const sketchB = child.sketch;
  if (sketchA && sketchB && sketchA.some((v, i) => v !== sketchB[i])) out.push('sketch');
  const maskA = parent.mask;
  const maskB = child.mask;
  if ((maskA === null) !== (maskB === null) || (maskA && maskB && maskA.some((v, i) => v !== maskB[i]))) out.push('mask');
  return out.length ? out.join(', ') : 'same settings';
}
