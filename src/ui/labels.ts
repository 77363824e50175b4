/** User-facing names and one-line explanations of modes and heads. */
import type { Mode } from '../engine/protocol.ts';
import type { Head } from '../store/index.ts';

export const MODE_INFO: Readonly<Record<Mode, { title: string; description: string; soon?: boolean }>> = {
  joint: { title: 'Image + label (joint)', description: 'Generate an image and its class together; watch the label form beside the image.' },
  conditional: { title: 'Class-conditional', description: 'Pick a class, generate an image of it.' },
  inpaint: { title: 'Inpainting (masked image)', description: 'Keep part of an image, generate the hidden rest.' },
  classify: { title: 'Classify', description: 'Diffuse a real image forward and watch the label head read it.' },
  unconditional: { title: 'Unconditional', description: 'Nothing given: generate an image from noise.' },
  sketch: { title: 'Sketch → image', description: 'Draw a sketch or take a test image’s edges; generate a garment from it.' },
  representation: { title: 'Representation → image', description: 'Click a point on the representation map; generate an image with that representation.' },
};

export const HEAD_INFO: Readonly<Record<Head, { tab: string; title: string; description: string; soon?: boolean }>> = {
  z: { tab: 'z_t', title: 'z_t', description: 'the noisy latent at this step of the chain.' },
  x0: { tab: 'x̂₀ image', title: 'x̂₀ (image head)', description: "the image head's guess of the final image, from this step." },
  label: { tab: 'Label', title: 'Label head', description: 'the probability of each of the 10 classes, read from z_t.' },
  masked: { tab: 'Masked', title: 'Masked-image head', description: 'the full image reconstructed by the masked-image head; given pixels are kept.' },
  drift: { tab: 'Drift ĉ_t', title: 'Drift ĉ_t', description: 'how far the conditions push z_t away from a plain DDPM chain at this step.' },
  sketch: { tab: 'Sketch', title: 'Sketch head', description: 'the edge map the sketch head reads from z_t (black 0, white 1).' },
  repr: {
    tab: 'Repr. map',
    title: 'Representation head',
    description: "the head's predicted representation (components 1 and 2 of 8) at this frame, moving over the test set; the line is its path so far.",
  },
};

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** "a" or "an" for a class name ("an Ankle boot", "a Dress"), by its first letter. */
export function articleFor(name: string): 'a' | 'an' {
  return /^[aeiou]/i.test(name) ? 'an' : 'a';
}
