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
import { groupNorm as fusedGroupNorm, groupNormReference, registerFusedKernels, silu as fusedSilu } from './fused.ts';

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

export interface ForwardOptions {
  /**
   * The caller differentiates through this forward (tf.grad: label guidance). GroupNorm then runs op by op
   * (the fused kernel has no gradient) and convs add their bias separately (tf.fused's custom gradient
   * computes the filter and bias gradients too, eagerly: about 4 times slower for the input's gradient).
   */
  readonly differentiable?: boolean;
}

export interface Network {
  readonly config: ModelConfig;
  /** Backbone + every head at (z_t, t); t is [B] (int32 or float32). Same values either way within float32 rounding. */
  forward(z: tf.Tensor4D, t: tf.Tensor1D, options?: ForwardOptions): HeadOutputs;
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
  const freqs = tf.keep(tf.tensor3d(freqValues, [1, 1, half])); // [1, 1, half]
  // tanh(table) of E_label(p) = p tanh(table) (model.py LabelEncoder).
  const tanhTable = tf.keep(tf.tidy(() => tf.tanh(w2('encoders/label/table')))); // [K, S*S]
  // The spatial encoders' carrier (model.py carrier_map), or null when the weights have none.
  const carrierData = carrierValues(S, config.encoders.carrier);
  const carrier = carrierData === null ? null : tf.keep(tf.tensor4d(carrierData, [1, S, S, 1])); // [1, S, S, 1]

  registerFusedKernels();
  const C2 = config.backbone.channels[2];
  // model.py Attention's qkv conv cut once into q, k, v 1x1 convs (channel blocks [0, C), [C, 2C), [2C, 3C)),
  // q's pre-multiplied by 1/sqrt(C): q.k/sqrt(C) without a Slice or a Div per step.
  type QkvParts = [tf.Tensor4D, tf.Tensor1D, tf.Tensor4D, tf.Tensor1D, tf.Tensor4D, tf.Tensor1D];
  const attnQkv = tf.tidy((): QkvParts => {
    const kernel = w4('backbone/mid_attn/qkv/kernel'); // [1, 1, C, 3C]
    const bias = w1('backbone/mid_attn/qkv/bias'); // [3C]
    const inv = 1 / Math.sqrt(C2);
    const part = (i: number, scale: number): [tf.Tensor4D, tf.Tensor1D] => [
      tf.mul<tf.Tensor4D>(tf.slice(kernel, [0, 0, 0, i * C2], [1, 1, C2, C2]), scale), // [1, 1, C, C]
      tf.mul<tf.Tensor1D>(tf.slice(bias, [i * C2], [C2]), scale), // [C]
    ];
    return [...part(0, inv), ...part(1, 1), ...part(2, 1)];
  }).map((t) => tf.keep(t)) as QkvParts;

  // Every ResBlock's time projection temb(silu(t_emb)) as one matMul: the kernels side by side [te, N] and
  // the biases [N]; a block reads its columns [offset, offset + cout) (the GroupNorm kernel's addendOffset).
  const resBlockNames = ['down0', 'down1', 'down2', 'mid1', 'mid2', 'up2', 'up1', 'up0'].map((b) => `backbone/${b}`);
  const projectionOffsets = new Map<string, number>();
  let projectionWidth = 0;
  for (const name of resBlockNames) {
    projectionOffsets.set(name, projectionWidth);
    projectionWidth += w1(`${name}/temb/bias`).shape[0];
  }
  const projectionKernel = tf.keep(tf.tidy(() => tf.reshape<tf.Rank.R3>(tf.concat(resBlockNames.map((n) => w2(`${n}/temb/kernel`)), 1), [1, -1, projectionWidth]))); // [1, te, N]
  const projectionBias = tf.keep(tf.concat(resBlockNames.map((n) => w1(`${n}/temb/bias`)))); // [N]
  // Linear kernels as [1, in, out] (the _FusedMatMul kernel takes rank-3 operands), made on first use.
  const kernels3 = new Map<string, tf.Tensor3D>();
  const kernel3 = (name: string): tf.Tensor3D => {
    let k = kernels3.get(name);
    if (k === undefined) {
      const k2 = w2(`${name}/kernel`);
      k = tf.keep(tf.reshape<tf.Rank.R3>(k2, [1, ...k2.shape]));
      kernels3.set(name, k);
    }
    return k;
  };

  // ---- ops (all called inside a tidy); `fused` picks one-kernel forms, `!fused` differentiable ones ----

  type Pad = 'same' | [[number, number], [number, number], [number, number], [number, number]];
  /** A ResBlock's time projection: the [1, B, N] rows of every block's projections and its first column. */
  interface Projection {
    readonly rows: tf.Tensor3D;
    readonly offset: number;
  }

  const layers = (fused: boolean) => {
    /** F.silu: x sigmoid(x). */
    const silu = <T extends tf.Tensor>(x: T): T => (fused ? fusedSilu(x) : tf.mul<T>(x, tf.sigmoid(x)));
    /** y = conv(x, kernel) + bias; fused: one FusedConv2D kernel (tf.fused.conv2d's kernel, without its custom-gradient wrapper). */
    const convWith = (x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D | null, strides: number, pad: Pad): tf.Tensor4D => {
      if (fused && bias !== null) {
        const attrs = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], activation: 'linear' };
        return tf.engine().runKernel<tf.Tensor4D>('FusedConv2D', { x, filter: kernel, bias }, attrs); // [B, H', W', cout]
      }
      const y = tf.conv2d(x, kernel, strides, pad); // [B, H', W', cout]
      return bias === null ? y : tf.add(y, bias);
    };
    /** nn.Conv2d(k, stride 1, padding k//2) == TF 'same' for odd k; plus bias when present. */
    const conv = (x: tf.Tensor4D, name: string, bias = true): tf.Tensor4D =>
      convWith(x, w4(`${name}/kernel`), bias ? w1(`${name}/bias`) : null, 1, 'same');
    /**
     * model.py Down: Conv2d(3, stride 2, padding 1): zero padding of 1 on every side (not TF 'same', which
     * pads 0 before and 1 after here), given to the conv as its explicit padding (no separate PadV2 kernel).
     */
    const downsample = (x: tf.Tensor4D, name: string): tf.Tensor4D =>
      convWith(x, w4(`${name}/conv/kernel`), w1(`${name}/conv/bias`), 2, [[0, 0], [1, 1], [1, 1], [0, 0]]); // [B, H/2, W/2, C]
    /** x W + b on rows [1, B, in] -> [1, B, out]; fused: one _FusedMatMul kernel. */
    const linearWith = (x: tf.Tensor3D, kernel: tf.Tensor3D, bias: tf.Tensor1D): tf.Tensor3D => {
      if (fused) {
        const attrs = { transposeA: false, transposeB: false, activation: 'linear' };
        return tf.engine().runKernel<tf.Tensor3D>('_FusedMatMul', { a: x, b: kernel, bias }, attrs);
      }
      return tf.add<tf.Tensor3D>(tf.matMul(x, kernel), bias);
    };
    /** nn.Linear: x W^T + b, with the kernel stored transposed as [in, out]; rows [1, B, in] -> [1, B, out]. */
    const dense = (x: tf.Tensor3D, name: string): tf.Tensor3D => linearWith(x, kernel3(name), w1(`${name}/bias`));
    /** Every ResBlock's temb(silu(t_emb)) [1, B, N]; `project` picks a block's columns. */
    const projections = (siluTemb: tf.Tensor3D): ((block: string) => Projection) => {
      if (fused) {
        const rows = linearWith(siluTemb, projectionKernel, projectionBias); // [1, B, N]
        return (block) => ({ rows, offset: projectionOffsets.get(block) ?? 0 });
      }
      return (block) => ({ rows: dense(siluTemb, `${block}/temb`), offset: 0 }); // [1, B, cout]
    };
    /**
     * nn.GroupNorm(G, C, eps) of x (+ a time projection first), then F.silu when `act`: src/model/fused.ts
     * (one kernel, or the op-by-op formula when differentiable).
     */
    const groupNorm = (x: tf.Tensor4D, name: string, act: boolean, projection: Projection | null = null): tf.Tensor4D =>
      (fused ? fusedGroupNorm : groupNormReference)(x, w1(`${name}/gamma`), w1(`${name}/beta`), projection?.rows ?? null, {
        groups, eps: groupNormEps, silu: act, addendOffset: projection?.offset ?? 0,
      });
    return { silu, conv, convWith, downsample, dense, projections, groupNorm };
  };
  type Layers = ReturnType<typeof layers>;

  /** model.py upsample2x: F.interpolate(scale 2, 'nearest'): out[y, x] = in[floor(y/2), floor(x/2)]. */
  const upsample2x = (x: tf.Tensor4D): tf.Tensor4D => {
    const [, h, wd] = x.shape;
    // alignCorners = false, halfPixelCenters = false: src = floor(dst * in/out) = floor(dst / 2).
    return tf.image.resizeNearestNeighbor(x, [2 * h, 2 * wd], false, false); // [B, 2H, 2W, C]
  };

  /**
   * model.py ResBlock: h = conv1(silu(norm1(x))) + temb(silu(t_emb))[:, None, None];
   * h = conv2(silu(norm2(h))); out = skip(x) + h (skip = 1x1 conv when cin != cout).
   * The time projection enters norm2 as its addend (norm2(conv1(...) + tproj): no Add kernel; fused, every
   * block's projection comes from one matMul).
   */
  const resBlock = (L: Layers, x: tf.Tensor4D, project: (block: string) => Projection, name: string): tf.Tensor4D => {
    const h1 = L.conv(L.groupNorm(x, `${name}/norm1`, true), `${name}/conv1`); // [B, H, W, cout]
    const h = L.conv(L.groupNorm(h1, `${name}/norm2`, true, project(name)), `${name}/conv2`); // [B, H, W, cout]
    const skip = weights[`${name}/skip/kernel`] === undefined ? x : L.conv(x, `${name}/skip`); // [B, H, W, cout]
    return tf.add(skip, h);
  };

  /**
   * model.py Attention (one head over the HW positions): qkv = 1x1 conv of norm(x), channel blocks
   * q = [0, C), k = [C, 2C), v = [2C, 3C); A = softmax_j(q_i . k_j / sqrt(C)); out_i = sum_j A_ij v_j;
   * x + proj(out). q, k, v are three 1x1 convs (attnQkv; q carries the 1/sqrt(C)).
   */
  const attention = (L: Layers, x: tf.Tensor4D, name: string): tf.Tensor4D => {
    const [b, h, wd, c] = x.shape;
    const n = L.groupNorm(x, `${name}/norm`, false); // [B, H, W, C]
    const [qk, qb, kk, kb, vk, vb] = attnQkv;
    const q = tf.reshape<tf.Rank.R3>(L.convWith(n, qk, qb, 1, 'same'), [b, h * wd, c]); // [B, HW, C], / sqrt(C)
    const k = tf.reshape<tf.Rank.R3>(L.convWith(n, kk, kb, 1, 'same'), [b, h * wd, c]); // [B, HW, C]
    const v = tf.reshape<tf.Rank.R3>(L.convWith(n, vk, vb, 1, 'same'), [b, h * wd, c]); // [B, HW, C]
    const attn = tf.softmax(tf.matMul(q, k, false, true), -1); // [B, HW(query i), HW(key j)], softmax over keys j
    const out = tf.reshape<tf.Rank.R4>(tf.matMul(attn, v), [b, h, wd, c]); // [B, H, W, C]
    return tf.add(x, L.conv(out, `${name}/proj`));
  };

  /** model.py timestep_embedding: [sin(t f_i), cos(t f_i)] -> rows [1, B, timeFreqDim]. */
  const timestepEmbedding = (t: tf.Tensor1D): tf.Tensor3D => {
    const args = tf.mul<tf.Tensor3D>(tf.reshape(tf.cast(t, 'float32'), [1, -1, 1]), freqs); // [1, B, half]
    return tf.concat<tf.Tensor3D>([tf.sin(args), tf.cos(args)], 2); // [1, B, 2 half]
  };

  /** model.py Backbone.forward -> feat [B, S, S, c0] and pooled [B, c2]. */
  const backbone = (L: Layers, z: tf.Tensor4D, t: tf.Tensor1D): { feat: tf.Tensor4D; pooled: tf.Tensor3D } => {
    const temb = L.dense(L.silu(L.dense(timestepEmbedding(t), 'backbone/time_mlp1')), 'backbone/time_mlp2'); // [1, B, te]
    const st = L.projections(L.silu(temb)); // temb(F.silu(temb)) of every ResBlock
    const h = L.conv(z, 'backbone/conv_in'); // [B, S, S, c0]
    const d0 = resBlock(L, h, st, 'backbone/down0'); // [B, S, S, c0]
    const d1 = resBlock(L, L.downsample(d0, 'backbone/downsample0'), st, 'backbone/down1'); // [B, S/2, S/2, c1]
    const d2 = resBlock(L, L.downsample(d1, 'backbone/downsample1'), st, 'backbone/down2'); // [B, S/4, S/4, c2]
    const m1 = resBlock(L, d2, st, 'backbone/mid1'); // [B, S/4, S/4, c2]
    const m = resBlock(L, attention(L, m1, 'backbone/mid_attn'), st, 'backbone/mid2'); // [B, S/4, S/4, c2]
    const pooled = tf.reshape<tf.Rank.R3>(tf.mean(m, [1, 2]), [1, -1, m.shape[3]]); // rows [1, B, c2]: m.mean(dim=(2, 3))
    // torch.cat([a, skip], 1) on channels == concat on the last axis, same order.
    let u = resBlock(L, tf.concat<tf.Tensor4D>([m, d2], 3), st, 'backbone/up2'); // [B, S/4, S/4, c2]
    u = resBlock(L, tf.concat<tf.Tensor4D>([upsample2x(u), d1], 3), st, 'backbone/up1'); // [B, S/2, S/2, c1]
    u = resBlock(L, tf.concat<tf.Tensor4D>([upsample2x(u), d0], 3), st, 'backbone/up0'); // [B, S, S, c0]
    const feat = L.groupNorm(u, 'backbone/norm_out', true); // silu(norm_out(u)) [B, S, S, c0]
    return { feat, pooled };
  };

  /** model.py ConvHead: conv2(silu(conv1(feat))) -> [B, S, S, 1]. */
  const convHead = (L: Layers, feat: tf.Tensor4D, name: string): tf.Tensor4D =>
    L.conv(L.silu(L.conv(feat, `${name}/conv1`)), `${name}/conv2`);

  /** model.py MLPHead: fc2(silu(fc1(pooled))) -> [B, out]. */
  const mlpHead = (L: Layers, pooled: tf.Tensor3D, name: string): tf.Tensor2D => {
    const y = L.dense(L.silu(L.dense(pooled, `${name}/fc1`)), `${name}/fc2`); // [1, B, out]
    return tf.reshape(y, y.shape.slice(1) as [number, number]);
  };

  const fusedLayers = layers(true);
  const plainLayers = layers(false);
  const { conv, silu } = plainLayers; // the encoders (no biases: nothing to fuse)

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

  const forward = (z: tf.Tensor4D, t: tf.Tensor1D, options: ForwardOptions = {}): HeadOutputs => {
    assertLive();
    expectShape('z', z, [null, S, S, 1]);
    expectShape('t', t, [z.shape[0]]);
    const L = options.differentiable === true ? plainLayers : fusedLayers;
    return tf.tidy(() => {
      const { feat, pooled } = backbone(L, z, t);
      return {
        eps: L.conv(feat, 'heads/eps'), // [B, S, S, 1]
        masked: convHead(L, feat, 'heads/masked'), // [B, S, S, 1]
        sketch: convHead(L, feat, 'heads/sketch'), // [B, S, S, 1]
        label: mlpHead(L, pooled, 'heads/label'), // [B, K]
        repr: mlpHead(L, pooled, 'heads/repr'), // [B, D]
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
      const eRepr = (): tf.Tensor4D => tf.reshape(tf.tanh(tf.matMul(inputs.repr, w2('encoders/repr/linear/kernel'))), [B, S, S, 1]); // [B, S, S, 1]
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
      tf.dispose([...attnQkv, projectionKernel, projectionBias, ...kernels3.values()]);
      kernels3.clear();
      carrier?.dispose();
    },
  };
}
