/**
 * A latent edit in a link: url.ts writes it on the run of a branch chain (`br`) the edit was made from, as
 * `*edit.<text>` (url.ts EDIT_FIELD). The text is
 *   paint    `p<frame>.<sample>_<dab>_<dab>...`, a dab `<2x>.<2y>.<r>.<100 s>` (integers; core's quantizeDab grid),
 *   renoise  `r<frame>.<to frame>`.
 * Only characters a URL leaves as they are (digits, letters, `. _ -`), none of the chain's separators (`~ *`).
 * decodeEdit checks the form; whether an edit fits the run (frame, sample, canvas, brush limits) is core's
 * editProblem, checked when it is applied.
 */
import { EDIT_LIMITS, type Dab, type LatentEdit } from '../core/latent-edit.ts';

export function encodeEdit(edit: LatentEdit): string {
  if (edit.kind === 'renoise') return `r${edit.at}.${edit.to}`;
  const dabs = edit.dabs.map((d) => [Math.round(d.x * 2), Math.round(d.y * 2), Math.round(d.r), Math.round(d.s * 100)].join('.'));
  return [`p${edit.at}.${edit.sample}`, ...dabs].join('_');
}

const INT = /^-?\d{1,4}$/;

function ints(text: string, count: number): number[] | null {
  const parts = text.split('.');
  if (parts.length !== count || !parts.every((p) => INT.test(p))) return null;
  return parts.map(Number);
}

export function decodeEdit(text: string): LatentEdit | null {
  if (text.startsWith('r')) {
    const n = ints(text.slice(1), 2);
    return n && n[0]! >= 0 && n[1]! >= 0 ? { kind: 'renoise', at: n[0]!, to: n[1]! } : null;
  }
  if (!text.startsWith('p')) return null;
  const [head, ...rest] = text.slice(1).split('_');
  const h = ints(head ?? '', 2);
  if (!h || h[0]! < 0 || h[1]! < 0 || rest.length === 0 || rest.length > EDIT_LIMITS.maxDabs) return null;
  const dabs: Dab[] = [];
  for (const part of rest) {
    const n = ints(part, 4);
    if (!n) return null;
    dabs.push({ x: n[0]! / 2, y: n[1]! / 2, r: n[2]!, s: n[3]! / 100 });
  }
  return { kind: 'paint', at: h[0]!, sample: h[1]!, dabs };
}

/** An edit in words, for the history ("z painted at step 3: 5 dabs on sample 1"). */
export function describeEdit(edit: LatentEdit): string {
  if (edit.kind === 'renoise') return `x̂₀ of step ${edit.at} re-noised to step ${edit.to}`;
  const n = edit.dabs.length;
  return `z painted at step ${edit.at}: ${n} dab${n === 1 ? '' : 's'} on sample ${edit.sample + 1}`;
}
