/**
 * The weights the network needs, computed from the config alone (never from the manifest):
 * names and TF layouts exactly as training/export.py writes them, in the order PyTorch's
 * `named_modules()` visits the parameters of training/mtd/model.py `MTDiffusion`.
 *   conv:   kernel [kh, kw, cin, cout], bias [cout]      (PyTorch [cout, cin, kh, kw] transposed)
 *   linear: kernel [in, out],            bias [out]       (PyTorch [out, in] transposed)
 *   GroupNorm: gamma [C], beta [C]
 */
import type { ModelConfig } from './config.ts';

export interface ExpectedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  /** Decoded dtype; every weight of this network is float32 (possibly stored as float16). */
  readonly dtype: 'float32';
}

type Emit = (name: string, shape: readonly number[]) => void;

function conv(emit: Emit, name: string, k: number, cin: number, cout: number, bias = true): void {
  emit(`${name}/kernel`, [k, k, cin, cout]);
  if (bias) emit(`${name}/bias`, [cout]);
}

function linear(emit: Emit, name: string, cin: number, cout: number, bias = true): void {
  emit(`${name}/kernel`, [cin, cout]);
  if (bias) emit(`${name}/bias`, [cout]);
}

function groupNorm(emit: Emit, name: string, c: number): void {
  emit(`${name}/gamma`, [c]);
  emit(`${name}/beta`, [c]);
}

/** model.py ResBlock(cin, cout, temb): norm1, conv1, temb, norm2, conv2, skip (1x1, only if cin != cout). */
function resBlock(emit: Emit, name: string, cin: number, cout: number, temb: number): void {
  groupNorm(emit, `${name}/norm1`, cin);
  conv(emit, `${name}/conv1`, 3, cin, cout);
  linear(emit, `${name}/temb`, temb, cout);
  groupNorm(emit, `${name}/norm2`, cout);
  conv(emit, `${name}/conv2`, 3, cout, cout);
  if (cin !== cout) conv(emit, `${name}/skip`, 1, cin, cout);
}

/** Every weight, in export order. */
export function expectedWeights(config: ModelConfig): ExpectedWeight[] {
  const out: ExpectedWeight[] = [];
  const emit: Emit = (name, shape) => out.push({ name, shape: [...shape], dtype: 'float32' });
  const { channels, timeEmbedDim: te, timeFreqDim } = config.backbone;
  const [c0, c1, c2] = channels;
  const size = config.imageSize;
  const classes = config.classNames.length;
  const rdim = config.representation.dim;
  const { convHidden: headHidden, mlpHidden } = config.heads;
  const encHidden = config.encoders.convHidden;

  // Backbone
  linear(emit, 'backbone/time_mlp1', timeFreqDim, te);
  linear(emit, 'backbone/time_mlp2', te, te);
  conv(emit, 'backbone/conv_in', 3, 1, c0);
  resBlock(emit, 'backbone/down0', c0, c0, te);
  conv(emit, 'backbone/downsample0/conv', 3, c0, c0);
  resBlock(emit, 'backbone/down1', c0, c1, te);
  conv(emit, 'backbone/downsample1/conv', 3, c1, c1);
  resBlock(emit, 'backbone/down2', c1, c2, te);
  resBlock(emit, 'backbone/mid1', c2, c2, te);
  groupNorm(emit, 'backbone/mid_attn/norm', c2);
  conv(emit, 'backbone/mid_attn/qkv', 1, c2, 3 * c2);
  conv(emit, 'backbone/mid_attn/proj', 1, c2, c2);
  resBlock(emit, 'backbone/mid2', c2, c2, te);
  resBlock(emit, 'backbone/up2', c2 + c2, c2, te);
  resBlock(emit, 'backbone/up1', c2 + c1, c1, te);
  resBlock(emit, 'backbone/up0', c1 + c0, c0, te);
  groupNorm(emit, 'backbone/norm_out', c0);

  // Heads
  conv(emit, 'heads/eps', 3, c0, 1);
  for (const head of ['masked', 'sketch']) {
    conv(emit, `heads/${head}/conv1`, 3, c0, headHidden);
    conv(emit, `heads/${head}/conv2`, 3, headHidden, 1);
  }
  linear(emit, 'heads/label/fc1', c2, mlpHidden);
  linear(emit, 'heads/label/fc2', mlpHidden, classes);
  linear(emit, 'heads/repr/fc1', c2, mlpHidden);
  linear(emit, 'heads/repr/fc2', mlpHidden, rdim);

  // Encoders (ConvEncoder has no biases)
  emit('encoders/label/table', [classes, size * size]);
  conv(emit, 'encoders/masked/conv1', 3, 2, encHidden, false);
  conv(emit, 'encoders/masked/conv2', 3, encHidden, encHidden, false);
  conv(emit, 'encoders/masked/conv3', 3, encHidden, 1, false);
  conv(emit, 'encoders/sketch/conv1', 3, 1, encHidden, false);
  conv(emit, 'encoders/sketch/conv2', 3, encHidden, encHidden, false);
  conv(emit, 'encoders/sketch/conv3', 3, encHidden, 1, false);
  linear(emit, 'encoders/repr/linear', rdim, size * size, false);
  return out;
}

/** Number of parameters the architecture needs. */
export function parameterCount(config: ModelConfig): number {
  return expectedWeights(config).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}
