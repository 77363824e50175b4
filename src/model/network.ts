/**
 * The MT-Diffusion network in TF.js, op for op after training/mtd/model.py, as a forward function
 * over named weight tensors (tfjs-layers has no GroupNorm). Activations are NHWC; weights use the
 * TF layouts of training/export.py (conv [kh, kw, cin, cout], linear [in, out]).
 *
 *   forward(z_t, t) -> eps, masked, sketch [B, S, S, 1]; label logits [B, K]; repr [B, D]
 *   encode(x^i, g)  -> sum_i g_i E_i(x^i) [B, S, S, 1]   (MT-DIFFUSION.md: c_t = kappa_t sum_i g_i E_i)
 *
 * Each public call is one synchronous tf.tidy; only the returned tensors survive it.
 */
import * as tf from '@tensorflow/tfjs';
import { expectedWeights } from './architecture.ts';
import { carrierValues } from './carrier.ts';
import type { ModelConfig } from './config.ts';
import { WeightsError } from './errors.ts';

export interface HeadOutputs {
  /** eps-prediction [B, S, S, 1]. */
  readonly eps: tf.Tensor4D;
  /** Masked-image head: the full image [B, S, S, 1]. */
  readonly masked: tf.Tensor4D;
  /** Sketch head [B, S, S, 1]. */
  readonly sketch: tf.Tensor4D;
  /** Label logits [B, K]. */
  readonly label: tf.Tensor2D;
  /** Representation [B, D]. */
  readonly repr: tf.Tensor2D;
}

/** g_i per sample: 1 when modality i is given (or generated), 0 when absent. Each [B]. */
export interface GivenFlags {
  readonly label: tf.Tensor1D;
  readonly masked: tf.Tensor1D;
  readonly sketch: tf.Tensor1D;
  readonly repr: tf.Tensor1D;
}

export interface EncodeInputs {
  /** Class distribution p (one-hot or soft) [B, K]. */
  readonly labelProbs: tf.Tensor2D;
  /** Image in [-1, 1] [B, S, S, 1]; only image * mask is seen. */
  readonly image: tf.Tensor4D;
  /** 1 = visible, 0 = hidden [B, S, S, 1]. */
  readonly mask: tf.Tensor4D;
  /** Edge map in {0, 1} [B, S, S, 1]. */
  readonly sketch: tf.Tensor4D;
  /** Representation [B, D]. */
  readonly repr: tf.Tensor2D;
  readonly given: GivenFlags;
  /**
   * Modalities known to be absent for every sample (g_i = 0 throughout) may be marked false: their
   * encoder is not run, since g_i E_i = 0 (exactly: E_i is tanh-bounded). Default: every encoder runs.
   */
  readonly present?: Readonly<Record<keyof GivenFlags, boolean>>;
}

export interface Network {
  readonly config: ModelConfig;
  /** Backbone + every head at (z_t, t); t is [B] (int32 or float32). */
  forward(z: tf.Tensor4D, t: tf.Tensor1D): HeadOutputs;
  /** sum_i g_i E_i(x^i) (model.py MTDiffusion.encode). */
  encode(inputs: EncodeInputs): tf.Tensor4D;
  /** Frees the network's own constants; the weights belong to the caller (disposeWeights). */
  dispose(): void;
}

function expectShape(what: string, t: tf.Tensor, shape: readonly (number | null)[]): void {
  const ok = t.rank === shape.length && shape.every((d, i) => d === null || t.shape[i] === d);
  if (!ok) {
    const want = shape.map((d) => (d === null ? 'B' : String(d))).join(', ');
    throw new RangeError(`network: ${what} must have shape [${want}], got [${t.shape.join(', ')}]`);
  }
}

/**
 * Builds the forward functions over `weights` (checked by name and shape against the
 * architecture of `config`; throws WeightsError otherwise).
 */
export function createNetwork(config: ModelConfig, weights: tf.NamedTensorMap): Network {
  for (const want of expectedWeights(config)) {
    const t = weights[want.name];
    if (t === undefined) throw new WeightsError('format', `network: missing weight '${want.name}'`, { weight: want.name });
    if (t.dtype !== want.dtype) {
      throw new WeightsError('dtype', `network: weight '${want.name}' is ${t.dtype}, expected ${want.dtype}`, { weight: want.name });
    }
    if (t.rank !== want.shape.length || t.shape.some((d, i) => d !== want.shape[i])) {
      const message = `network: weight '${want.name}' has shape [${t.shape.join(', ')}], expected [${want.shape.join(', ')}]`;
      throw new WeightsError('shape', message, { weight: want.name });
    }
  }

  const S = config.imageSize;
  const { groups, groupNormEps, timeFreqDim } = config.backbone;
  const classes = config.classNames.length;
  const rdim = config.representation.dim;

  const w = (name: string): tf.Tensor => {
    const t = weights[name];
    if (t === undefined) throw new WeightsError('format', `network: missing weight '${name}'`, { weight: name });
    return t;
  };
  const w1 = (name: string): tf.Tensor1D => w(name) as tf.Tensor1D;
  const w2 = (name: string): tf.Tensor2D => w(name) as tf.Tensor2D;
  const w4 = (name: string): tf.Tensor4D => w(name) as tf.Tensor4D;

  // Constants, computed once and owned by the network (tf.keep: safe even inside a caller's tidy).
  // Sinusoid frequencies f_i = exp(-ln(10000) i / half), i < half, each step rounded to float32
  // like torch's float32 arange arithmetic in model.py timestep_embedding.
  const half = timeFreqDim / 2;
  const freqValues = new Float32Array(half);
  const lnBase = Math.fround(-Math.log(10000));
  for (let i = 0; i < half; i++) freqValues[i] = Math.exp(Math.fround(Math.fround(lnBase * i) / half));
  const freqs = tf.keep(tf.tensor2d(freqValues, [1, half])); // [1, half]
  // tanh(table) of E_label(p) = p tanh(table) (model.py LabelEncoder).
  const tanhTable = tf.keep(tf.tidy(() => tf.tanh(w2('encoders/label/table')))); // [K, S*S]
  // The spatial encoders' carrier (model.py carrier_map), or null when the weights have none.
  const carrierData = carrierValues(S, config.encoders.carrier);
  const carrier = carrierData === null ? null : tf.keep(tf.tensor4d(carrierData, [1, S, S, 1])); // [1, S, S, 1]

  // ---- ops (all called inside a tidy) -------------------------------------------------------

  const silu = <T extends tf.Tensor>(x: T): T => tf.mul<T>(x, tf.sigmoid(x)); // F.silu: x sigmoid(x)

  /** nn.Conv2d(k, stride 1, padding k//2) == TF 'same' for odd k; plus bias when present. */
  const conv = (x: tf.Tensor4D, name: string, bias = true): tf.Tensor4D => {
    const y = tf.conv2d(x, w4(`${name}/kernel`), 1, 'same'); // [B, H, W, cout]
    return bias ? tf.add(y, w1(`${name}/bias`)) : y;
  };

  /**
   * model.py Down: Conv2d(3, stride 2, padding 1): zero padding of 1 on every side (not TF 'same', which
   * pads 0 before and 1 after here), given to the conv as its explicit padding (no separate PadV2 kernel).
   */
  const downsample = (x: tf.Tensor4D, name: string): tf.Tensor4D => {
    const y = tf.conv2d(x, w4(`${name}/conv/kernel`), 2, [[0, 0], [1, 1], [1, 1], [0, 0]]); // [B, H/2, W/2, C]
    return tf.add(y, w1(`${name}/conv/bias`));
  };

  /** model.py upsample2x: F.interpolate(scale 2, 'nearest'): out[y, x] = in[floor(y/2), floor(x/2)]. */
  const upsample2x = (x: tf.Tensor4D): tf.Tensor4D => {
    const [, h, wd] = x.shape;
    // alignCorners = false, halfPixelCenters = false: src = floor(dst * in/out) = floor(dst / 2).
    return tf.image.resizeNearestNeighbor(x, [2 * h, 2 * wd], false, false); // [B, 2H, 2W, C]
  };

  /** nn.Linear: x W^T + b, with the kernel stored transposed as [in, out]. */
  const dense = (x: tf.Tensor2D, name: string, bias = true): tf.Tensor2D => {
    const y = tf.matMul<tf.Tensor2D>(x, w2(`${name}/kernel`)); // [B, out]
    return bias ? tf.add<tf.Tensor2D>(y, w1(`${name}/bias`)) : y;
  };

  /**
   * nn.GroupNorm(G, C, eps): per sample and group, mean and biased variance over (H, W, C/G),
   * y = (x - mu) / sqrt(var + eps) * gamma + beta. Groups are contiguous channel blocks.
   */
  const groupNorm = (x: tf.Tensor4D, name: string): tf.Tensor4D => {
    const [b, h, wd, c] = x.shape;
    const grouped = tf.reshape(x, [b, h, wd, groups, c / groups]); // [B, H, W, G, C/G]
    const { mean, variance } = tf.moments(grouped, [1, 2, 4], true); // [B, 1, 1, G, 1] each
    const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, groupNormEps))); // [B, H, W, G, C/G]
    const y = tf.reshape(normed, [b, h, wd, c]); // [B, H, W, C]
    return tf.add(tf.mul(y, w1(`${name}/gamma`)), w1(`${name}/beta`));
  };

  /**
   * model.py ResBlock: h = conv1(silu(norm1(x))) + temb(silu(t_emb))[:, None, None];
   * h = conv2(silu(norm2(h))); out = skip(x) + h (skip = 1x1 conv when cin != cout).
   */
  const resBlock = (x: tf.Tensor4D, siluTemb: tf.Tensor2D, name: string): tf.Tensor4D => {
    const cout = w4(`${name}/conv1/kernel`).shape[3];
    let h = conv(silu(groupNorm(x, `${name}/norm1`)), `${name}/conv1`); // [B, H, W, cout]
    const tproj = tf.reshape(dense(siluTemb, `${name}/temb`), [-1, 1, 1, cout]); // [B, 1, 1, cout]
    h = tf.add(h, tproj);
    h = conv(silu(groupNorm(h, `${name}/norm2`)), `${name}/conv2`); // [B, H, W, cout]
    const skip = weights[`${name}/skip/kernel`] === undefined ? x : conv(x, `${name}/skip`); // [B, H, W, cout]
    return tf.add(skip, h);
  };

  /**
   * model.py Attention (one head over the HW positions): qkv = 1x1 conv of norm(x), channel blocks
   * q = [0, C), k = [C, 2C), v = [2C, 3C); A = softmax_j(q_i . k_j / sqrt(C)); out_i = sum_j A_ij v_j;
   * x + proj(out).
   */
  const attention = (x: tf.Tensor4D, name: string): tf.Tensor4D => {
    const [b, h, wd, c] = x.shape;
    const qkv = tf.reshape(conv(groupNorm(x, `${name}/norm`), `${name}/qkv`), [b, h * wd, 3 * c]); // [B, HW, 3C]
    const q = tf.slice(qkv, [0, 0, 0], [b, h * wd, c]); // [B, HW, C]
    const k = tf.slice(qkv, [0, 0, c], [b, h * wd, c]); // [B, HW, C]
    const v = tf.slice(qkv, [0, 0, 2 * c], [b, h * wd, c]); // [B, HW, C]
    const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(c)); // [B, HW(query i), HW(key j)]
    const attn = tf.softmax(scores, -1); // softmax over keys j
    const out = tf.reshape<tf.Rank.R4>(tf.matMul(attn, v), [b, h, wd, c]); // [B, H, W, C]
    return tf.add(x, conv(out, `${name}/proj`));
  };

  /** model.py timestep_embedding: [sin(t f_i), cos(t f_i)] -> [B, timeFreqDim]. */
  const timestepEmbedding = (t: tf.Tensor1D): tf.Tensor2D => {
    const args = tf.mul<tf.Tensor2D>(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), freqs); // [B, half]
    return tf.concat<tf.Tensor2D>([tf.sin(args), tf.cos(args)], 1); // [B, 2 half]
  };

  /** model.py Backbone.forward -> feat [B, S, S, c0] and pooled [B, c2]. */
  const backbone = (z: tf.Tensor4D, t: tf.Tensor1D): { feat: tf.Tensor4D; pooled: tf.Tensor2D } => {
    const temb = dense(silu(dense(timestepEmbedding(t), 'backbone/time_mlp1')), 'backbone/time_mlp2'); // [B, te]
    const st = silu(temb); // F.silu(temb), shared by every ResBlock
    const h = conv(z, 'backbone/conv_in'); // [B, S, S, c0]
    const d0 = resBlock(h, st, 'backbone/down0'); // [B, S, S, c0]
    const d1 = resBlock(downsample(d0, 'backbone/downsample0'), st, 'backbone/down1'); // [B, S/2, S/2, c1]
    const d2 = resBlock(downsample(d1, 'backbone/downsample1'), st, 'backbone/down2'); // [B, S/4, S/4, c2]
    const m1 = resBlock(d2, st, 'backbone/mid1'); // [B, S/4, S/4, c2]
    const m = resBlock(attention(m1, 'backbone/mid_attn'), st, 'backbone/mid2'); // [B, S/4, S/4, c2]
    const pooled = tf.mean<tf.Tensor2D>(m, [1, 2]); // [B, c2]: m.mean(dim=(2, 3))
    // torch.cat([a, skip], 1) on channels == concat on the last axis, same order.
    let u = resBlock(tf.concat<tf.Tensor4D>([m, d2], 3), st, 'backbone/up2'); // [B, S/4, S/4, c2]
    u = resBlock(tf.concat<tf.Tensor4D>([upsample2x(u), d1], 3), st, 'backbone/up1'); // [B, S/2, S/2, c1]
    u = resBlock(tf.concat<tf.Tensor4D>([upsample2x(u), d0], 3), st, 'backbone/up0'); // [B, S, S, c0]
    const feat = silu(groupNorm(u, 'backbone/norm_out')); // [B, S, S, c0]
    return { feat, pooled };
  };

  /** model.py ConvHead: conv2(silu(conv1(feat))) -> [B, S, S, 1]. */
  const convHead = (feat: tf.Tensor4D, name: string): tf.Tensor4D =>
    conv(silu(conv(feat, `${name}/conv1`)), `${name}/conv2`);

  /** model.py MLPHead: fc2(silu(fc1(pooled))). */
  const mlpHead = (pooled: tf.Tensor2D, name: string): tf.Tensor2D =>
    dense(silu(dense(pooled, `${name}/fc1`)), `${name}/fc2`);

  /** model.py ConvEncoder (no biases): tanh(conv3(silu(conv2(silu(conv1(x)))))) -> [B, S, S, 1]. */
  const convEncoder = (x: tf.Tensor4D, name: string): tf.Tensor4D => {
    const h1 = silu(conv(x, `${name}/conv1`, false)); // [B, S, S, hidden]
    const h2 = silu(conv(h1, `${name}/conv2`, false)); // [B, S, S, hidden]
    const e = tf.tanh(conv(h2, `${name}/conv3`, false)); // [B, S, S, 1]
    return carrier === null ? e : tf.mul(e, carrier); // tanh(conv(x)) * carrier [B, S, S, 1]
  };

  // ---- public API ---------------------------------------------------------------------------

  let disposed = false;
  const assertLive = (): void => {
    if (disposed) throw new Error('network: used after dispose()');
  };

  const forward = (z: tf.Tensor4D, t: tf.Tensor1D): HeadOutputs => {
    assertLive();
    expectShape('z', z, [null, S, S, 1]);
    expectShape('t', t, [z.shape[0]]);
    return tf.tidy(() => {
      const { feat, pooled } = backbone(z, t);
      return {
        eps: conv(feat, 'heads/eps'), // [B, S, S, 1]
        masked: convHead(feat, 'heads/masked'), // [B, S, S, 1]
        sketch: convHead(feat, 'heads/sketch'), // [B, S, S, 1]
        label: mlpHead(pooled, 'heads/label'), // [B, K]
        repr: mlpHead(pooled, 'heads/repr'), // [B, D]
      };
    });
  };

  const encode = (inputs: EncodeInputs): tf.Tensor4D => {
    assertLive();
    const B = inputs.labelProbs.shape[0];
    expectShape('labelProbs', inputs.labelProbs, [B, classes]);
    expectShape('image', inputs.image, [B, S, S, 1]);
    expectShape('mask', inputs.mask, [B, S, S, 1]);
    expectShape('sketch', inputs.sketch, [B, S, S, 1]);
    expectShape('repr', inputs.repr, [B, rdim]);
    for (const key of ['label', 'masked', 'sketch', 'repr'] as const) expectShape(`given.${key}`, inputs.given[key], [B]);
    return tf.tidy(() => {
      const g = (flags: tf.Tensor1D): tf.Tensor4D => tf.reshape(tf.cast(flags, 'float32'), [B, 1, 1, 1]); // g_i [B, 1, 1, 1]
      const on = (key: keyof GivenFlags): boolean => inputs.present?.[key] !== false;
      // E_label(p) = p tanh(table); torch reshape(-1, 1, S, S) of a row-major S*S vector == NHWC [B, S, S, 1].
      const eLabel = (): tf.Tensor4D => tf.reshape(tf.matMul(inputs.labelProbs, tanhTable), [B, S, S, 1]); // [B, S, S, 1]
      // E_masked([x * M, M]) on channels (torch.cat(..., 1) -> last axis).
      const eMasked = (): tf.Tensor4D =>
        convEncoder(tf.concat<tf.Tensor4D>([tf.mul(inputs.image, inputs.mask), inputs.mask], 3), 'encoders/masked'); // [B, S, S, 1]
      const eSketch = (): tf.Tensor4D => convEncoder(inputs.sketch, 'encoders/sketch'); // [B, S, S, 1]
      // E_repr(r) = tanh(r W^T), reshaped like E_label.
      const eRepr = (): tf.Tensor4D => tf.reshape(tf.tanh(dense(inputs.repr, 'encoders/repr/linear', false)), [B, S, S, 1]); // [B, S, S, 1]
      // sum_i g_i E_i(x^i), summed in model.py's order; an absent term adds exactly 0, so skipping it changes nothing.
      const terms: [keyof GivenFlags, () => tf.Tensor4D][] = [['label', eLabel], ['masked', eMasked], ['sketch', eSketch], ['repr', eRepr]];
      let sum: tf.Tensor4D | null = null;
      for (const [key, encoder] of terms) {
        if (!on(key)) continue;
        const term = tf.mul<tf.Tensor4D>(g(inputs.given[key]), encoder()); // g_i E_i [B, S, S, 1]
        sum = sum === null ? term : tf.add(sum, term);
      }
      return sum ?? tf.zeros<tf.Rank.R4>([B, S, S, 1]); // [B, S, S, 1]
    });
  };

  return {
    config,
    forward,
    encode,
    dispose() {
      if (disposed) return;
      disposed = true;
      freqs.dispose();
      tanhTable.dispose();
      carrier?.dispose();
    },
  };
}
