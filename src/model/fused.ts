/**
 * GroupNorm (+ SiLU, + a per-[B, C] addend) as one tfjs kernel per backend (cpu, wasm, webgl, webgpu).
 *
 *   h   = x + a[b, o + c]                        (a: the ResBlocks' time projections [B, N], at offset o; optional)
 *   mu  = mean_{H, W, c in g} h,   var = mean (h - mu)^2     per sample b and group g (biased, like torch)
 *   y   = (h - mu) / sqrt(var + eps) * gamma[c] + beta[c]    (nn.GroupNorm)
 *   out = silu ? y sigmoid(y) : y                            (F.silu)
 *
 * Op by op the same block is about 13 tfjs kernels (reshape, moments, sub, rsqrt, mul, add, sigmoid, ...);
 * on a GPU a step of this small UNet is bound by the number of dispatches, so it matters on every backend.
 * `groupNormReference` is the op-by-op formula: the tests compare every backend's kernel with it, and the
 * network uses it when it must be differentiated (label guidance), since this kernel has no gradient.
 *
 * Shapes: x [B, H, W, C] (NHWC, groups are contiguous channel blocks), gamma/beta [C], addend [..., B, N]
 * read from column `addendOffset` (every ResBlock's projection comes from one matMul).
 *
 * F.silu alone (x sigmoid(x)) is the second kernel here, `silu`: one kernel instead of Sigmoid + Multiply.
 */
import * as tf from '@tensorflow/tfjs';

export const GROUP_NORM_KERNEL = 'MtdGroupNorm';
export const SILU_KERNEL = 'MtdSilu';

export interface GroupNormOptions {
  readonly groups: number;
  readonly eps: number;
  /** Apply F.silu after the affine step. */
  readonly silu: boolean;
  /** Column of the addend where this block's C channels start (default 0). */
  readonly addendOffset?: number;
}

interface Attrs {
  groups: number;
  eps: number;
  silu: boolean;
  addendOffset: number;
}

/** The op-by-op formula (differentiable; every backend). */
export function groupNormReference(
  x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, addend: tf.Tensor | null, { groups, eps, silu, addendOffset = 0 }: GroupNormOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const rows = addend === null ? null : tf.reshape(addend, [b, -1]); // [B, N]
    const a = rows === null || (addendOffset === 0 && rows.shape[1] === c) ? rows : tf.slice(rows, [0, addendOffset], [b, c]); // [B, C]
    const hx = a === null ? x : tf.add<tf.Tensor4D>(x, tf.reshape(a, [b, 1, 1, c])); // [B, H, W, C]
    const grouped = tf.reshape(hx, [b, h, w, groups, c / groups]); // [B, H, W, G, C/G]
    const { mean, variance } = tf.moments(grouped, [1, 2, 4], true); // [B, 1, 1, G, 1] each
    const normed = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps))), [b, h, w, c]); // [B, H, W, C]
    const y = tf.add<tf.Tensor4D>(tf.mul(normed, gamma), beta);
    return silu ? tf.mul<tf.Tensor4D>(y, tf.sigmoid(y)) : y;
  });
}

/** The fused kernel (one kernel on every backend; not differentiable: use groupNormReference under tf.grad). */
export function groupNorm(
  x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, addend: tf.Tensor | null, options: GroupNormOptions,
): tf.Tensor4D {
  const [b, , , c] = x.shape;
  if (c % options.groups !== 0) throw new RangeError(`groupNorm: ${c} channels do not split into ${options.groups} groups`);
  const addendOffset = options.addendOffset ?? 0;
  if (addend !== null) {
    const n = addend.shape[addend.rank - 1]!;
    if (addend.size !== b * n || addendOffset + c > n) {
      throw new RangeError(`groupNorm: addend [${addend.shape.join(', ')}] has no ${c} columns at ${addendOffset} for ${b} samples`);
    }
  }
  const inputs: tf.NamedTensorMap = addend === null ? { x, gamma, beta } : { x, gamma, beta, addend };
  const attrs: Attrs = { groups: options.groups, eps: options.eps, silu: options.silu, addendOffset };
  return tf.engine().runKernel<tf.Tensor4D>(GROUP_NORM_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap);
}

/** F.silu: x sigmoid(x), one kernel (not differentiable). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.engine().runKernel<T>(SILU_KERNEL, { x });
}

// ---- the shared JavaScript passes (cpu and wasm) ---------------------------------------------

interface Dims {
  readonly B: number;
  readonly HW: number;
  readonly C: number;
  readonly G: number;
  /** Addend row length and this block's first column in it. */
  readonly N: number;
  readonly off: number;
}

function dims(inputs: Inputs, attrs: Attrs): Dims {
  const [B = 0, H = 0, W = 0, C = 0] = inputs.x.shape;
  const a = inputs.addend?.shape;
  return { B, HW: H * W, C, G: attrs.groups, N: a === undefined ? C : a[a.length - 1]!, off: attrs.addendOffset };
}

/**
 * Per (b, g): mean and 1/sqrt(var + eps) of h = x + a, two passes in float64 (mean, then the squared
 * deviations: no cancellation). Returns [B * G * 2]: mean, rstd.
 */
function statistics(x: Float32Array, a: Float32Array | null, { B, HW, C, G, N, off }: Dims, eps: number): Float64Array {
  const cpg = C / G;
  const n = HW * cpg;
  const out = new Float64Array(B * G * 2);
  const sum = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    const base = b * HW * C;
    sum.fill(0);
    for (let p = 0; p < HW; p++) {
      const o = base + p * C;
      for (let c = 0; c < C; c++) sum[c]! += x[o + c]!;
    }
    const mean = new Float64Array(G);
    for (let c = 0; c < C; c++) mean[(c / cpg) | 0]! += sum[c]! + (a === null ? 0 : HW * a[b * N + off + c]!);
    for (let g = 0; g < G; g++) mean[g]! /= n;
    sum.fill(0);
    for (let p = 0; p < HW; p++) {
      const o = base + p * C;
      for (let c = 0; c < C; c++) {
        const d = x[o + c]! + (a === null ? 0 : a[b * N + off + c]!) - mean[(c / cpg) | 0]!;
        sum[c]! += d * d;
      }
    }
    const sq = new Float64Array(G);
    for (let c = 0; c < C; c++) sq[(c / cpg) | 0]! += sum[c]!;
    for (let g = 0; g < G; g++) {
      out[(b * G + g) * 2] = mean[g]!;
      out[(b * G + g) * 2 + 1] = 1 / Math.sqrt(sq[g]! / n + eps);
    }
  }
  return out;
}

/** out = (h - mu) rstd gamma + beta, as out = h s + t with s, t per (b, c); then silu when asked (cpu only). */
function apply(
  x: Float32Array, a: Float32Array | null, stats: Float64Array, gamma: Float32Array, beta: Float32Array,
  out: Float32Array, { B, HW, C, G, N, off }: Dims, silu: boolean,
): void {
  const cpg = C / G;
  const s = new Float32Array(C);
  const t = new Float32Array(C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const k = (b * G + ((c / cpg) | 0)) * 2;
      const scale = stats[k + 1]! * gamma[c]!;
      s[c] = scale;
      t[c] = beta[c]! + ((a === null ? 0 : a[b * N + off + c]!) - stats[k]!) * scale;
    }
    const base = b * HW * C;
    for (let p = 0; p < HW; p++) {
      const o = base + p * C;
      for (let c = 0; c < C; c++) {
        const y = x[o + c]! * s[c]! + t[c]!;
        out[o + c] = silu ? y / (1 + Math.exp(-y)) : y;
      }
    }
  }
}

// ---- backends ---------------------------------------------------------------------------------
// Only the parts of each backend's class that the kernels use (the model layer imports no backend).

interface Info {
  dataId: object;
  shape: number[];
  dtype: string;
}
type Inputs = { x: Info; gamma: Info; beta: Info; addend?: Info };

interface CpuBackend {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): Info;
}

function cpuKernel({ inputs, backend, attrs }: { inputs: Inputs; backend: CpuBackend; attrs: Attrs }): Info {
  const read = (t: Info): Float32Array => backend.readSync(t.dataId) as Float32Array;
  const d = dims(inputs, attrs);
  const x = read(inputs.x);
  const a = inputs.addend ? read(inputs.addend) : null;
  const out = new Float32Array(x.length);
  apply(x, a, statistics(x, a, d, attrs.eps), read(inputs.gamma), read(inputs.beta), out, d, attrs.silu);
  return backend.makeTensorInfo(inputs.x.shape, 'float32', out);
}

interface WasmBackend {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): Info;
  disposeData(dataId: object): boolean;
}

type KernelFn = (args: { inputs: Record<string, Info>; backend: unknown; attrs?: Record<string, unknown> }) => Info;

function wasmKernel({ inputs, backend, attrs }: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): Info {
  const d = dims(inputs, attrs);
  const size = d.B * d.HW * d.C;
  const out = backend.makeOutput(inputs.x.shape, 'float32');
  // Views after the allocation (malloc may grow the heap and replace its buffer).
  const heap = backend.wasm.HEAPF32;
  const view = (t: Info, n: number): Float32Array => {
    const start = backend.dataIdMap.get(t.dataId).memoryOffset >>> 2;
    return heap.subarray(start, start + n);
  };
  const x = view(inputs.x, size);
  const a = inputs.addend ? view(inputs.addend, d.B * d.N) : null;
  apply(x, a, statistics(x, a, d, attrs.eps), view(inputs.gamma, d.C), view(inputs.beta, d.C), view(out, size), d, false);
  if (!attrs.silu) return out;
  const y = wasmSilu(out, backend);
  backend.disposeData(out.dataId);
  return y;
}

/** silu by the backend's own SIMD kernels: a JavaScript exp per element is slower than XNNPACK's sigmoid. */
function wasmSilu(x: Info, backend: WasmBackend): Info {
  const sigmoid = tf.getKernel('Sigmoid', 'wasm')?.kernelFunc as KernelFn | undefined;
  const multiply = tf.getKernel('Multiply', 'wasm')?.kernelFunc as KernelFn | undefined;
  if (!sigmoid || !multiply) throw new Error('silu: the wasm backend has no Sigmoid or Multiply kernel');
  const s = sigmoid({ inputs: { x }, backend });
  const y = multiply({ inputs: { a: x, b: s }, backend });
  backend.disposeData(s.dataId);
  return y;
}

interface WebGLBackend {
  runWebGLProgram(program: object, inputs: Info[], dtype: string): Info;
  disposeIntermediateTensorInfo(t: Info): void;
}

/** GLSL float literal. */
const glf = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v));

function webglKernel({ inputs, backend, attrs }: { inputs: Inputs; backend: WebGLBackend; attrs: Attrs }): Info {
  const { B, HW, C, G, off } = dims(inputs, attrs);
  const [, , W = 0] = inputs.x.shape;
  const cpg = C / G;
  const hasA = inputs.addend !== undefined;
  const addend = hasA ? [inputs.addend!] : [];
  // The addend as it comes ([B, N] or [1, B, N]): its sampler takes one coordinate per dimension.
  const lead = hasA ? '0, '.repeat(inputs.addend!.shape.length - 2) : '';
  const h = (b: string, y: string, xx: string, c: string): string => `(getX(${b}, ${y}, ${xx}, ${c})${hasA ? ` + getAddend(${lead}${b}, ${off} + ${c})` : ''})`;
  // Statistics [B, G, 2]: one fragment per value, a serial loop over the group's H W C/G values.
  const statsProgram = {
    variableNames: hasA ? ['x', 'addend'] : ['x'],
    outputShape: [B, G, 2],
    userCode: `
      void main() {
        ivec3 o = getOutputCoords();
        int b = o.x;
        int c0 = o.y * ${cpg};
        float sum = 0.0;
        for (int i = 0; i < ${HW * cpg}; i++) {
          int p = i / ${cpg};
          int c = c0 + i - p * ${cpg};
          sum += ${h('b', `p / ${W}`, `p - (p / ${W}) * ${W}`, 'c')};
        }
        float mean = sum / ${glf(HW * cpg)};
        if (o.z == 0) { setOutput(mean); return; }
        float sq = 0.0;
        for (int i = 0; i < ${HW * cpg}; i++) {
          int p = i / ${cpg};
          int c = c0 + i - p * ${cpg};
          float d = ${h('b', `p / ${W}`, `p - (p / ${W}) * ${W}`, 'c')} - mean;
          sq += d * d;
        }
        setOutput(inversesqrt(sq / ${glf(HW * cpg)} + ${glf(attrs.eps)}));
      }`,
  };
  const stats = backend.runWebGLProgram(statsProgram, [inputs.x, ...addend], 'float32');
  const applyProgram = {
    variableNames: hasA ? ['x', 'stats', 'gamma', 'beta', 'addend'] : ['x', 'stats', 'gamma', 'beta'],
    outputShape: inputs.x.shape,
    userCode: `
      void main() {
        ivec4 o = getOutputCoords();
        int g = o.w / ${cpg};
        float v = ${h('o.x', 'o.y', 'o.z', 'o.w')};
        float y = (v - getStats(o.x, g, 0)) * getStats(o.x, g, 1) * getGamma(o.w) + getBeta(o.w);
        ${attrs.silu ? 'y = y / (1.0 + exp(-y));' : ''}
        setOutput(y);
      }`,
  };
  const out = backend.runWebGLProgram(applyProgram, [inputs.x, stats, inputs.gamma, inputs.beta, ...addend], 'float32');
  backend.disposeIntermediateTensorInfo(stats);
  return out;
}

interface WebGPUBackend {
  runWebGPUProgram(program: object, inputs: Info[], dtype: string): Info;
  disposeData(dataId: object): boolean;
}

/** WGSL float literal. */
const wgf = (v: number): string => (Number.isInteger(v) ? `${v}.0` : v.toExponential());

const STATS_WORKGROUP = 128;

function webgpuKernel({ inputs, backend, attrs }: { inputs: Inputs; backend: WebGPUBackend; attrs: Attrs }): Info {
  const { B, C, G, N, off } = dims(inputs, attrs);
  const cpg = C / G;
  const hasA = inputs.addend !== undefined;
  const key = `mtd_gn_${G}_${cpg}_${hasA ? `a${N}_${off}` : ''}`;
  const flat = (rank: number): { x: number[] } => ({ x: Array.from({ length: rank }, (_, i) => i) });
  // h at flat NHWC index i of sample b, channel c.
  const h = (i: string, b: string, c: string): string => `x[${i}]${hasA ? ` + addend[${b} * ${N} + ${off} + ${c}]` : ''}`;
  // Statistics [B, G, 2]: one workgroup per (b, g); each thread strides over the group's values, then a
  // tree reduction in workgroup memory, once for the sum and once for the squared deviations.
  const statsProgram = {
    variableNames: hasA ? ['x', 'addend'] : ['x'],
    outputShape: [B, G, 2],
    shaderKey: `${key}_stats`,
    dispatchLayout: flat(3),
    dispatch: [B * G, 1, 1],
    workgroupSize: [STATS_WORKGROUP, 1, 1],
    size: true,
    getUserCode: () => `
      var<workgroup> partial : array<f32, ${STATS_WORKGROUP}>;
      fn reduceAll(v : f32) -> f32 {
        partial[localId.x] = v;
        workgroupBarrier();
        for (var s = ${STATS_WORKGROUP / 2}u; s > 0u; s = s / 2u) {
          if (localId.x < s) { partial[localId.x] = partial[localId.x] + partial[localId.x + s]; }
          workgroupBarrier();
        }
        let total = partial[0];
        workgroupBarrier();
        return total;
      }
      fn main(index : i32) {
        let bg = i32(workgroupId.x);
        let b = bg / ${G};
        let c0 = (bg - b * ${G}) * ${cpg};
        let hw = uniforms.xShape.y * uniforms.xShape.z;
        let n = hw * ${cpg};
        var sum = 0.0;
        for (var i = i32(localId.x); i < n; i = i + ${STATS_WORKGROUP}) {
          let p = i / ${cpg};
          let c = c0 + i - p * ${cpg};
          sum = sum + ${h(`(b * hw + p) * ${C} + c`, 'b', 'c')};
        }
        let mean = reduceAll(sum) / f32(n);
        var sq = 0.0;
        for (var i = i32(localId.x); i < n; i = i + ${STATS_WORKGROUP}) {
          let p = i / ${cpg};
          let c = c0 + i - p * ${cpg};
          let d = ${h(`(b * hw + p) * ${C} + c`, 'b', 'c')} - mean;
          sq = sq + d * d;
        }
        let rstd = inverseSqrt(reduceAll(sq) / f32(n) + ${wgf(attrs.eps)});
        if (localId.x == 0u && bg * 2 < uniforms.size) {
          setOutputAtIndex(bg * 2, mean);
          setOutputAtIndex(bg * 2 + 1, rstd);
        }
      }`,
  };
  const addend = hasA ? [inputs.addend!] : [];
  const stats = backend.runWebGPUProgram(statsProgram, [inputs.x, ...addend], 'float32');
  const size = inputs.x.shape.reduce((p, v) => p * v, 1);
  const applyProgram = {
    variableNames: hasA ? ['x', 'stats', 'gamma', 'beta', 'addend'] : ['x', 'stats', 'gamma', 'beta'],
    outputShape: inputs.x.shape,
    shaderKey: `${key}_apply_${attrs.silu ? 'silu' : ''}`,
    dispatchLayout: flat(4),
    dispatch: [Math.ceil(size / 128), 1, 1],
    workgroupSize: [128, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let c = index % ${C};
          let b = index / (uniforms.outShapeStrides.x);
          let k = (b * ${G} + c / ${cpg}) * 2;
          var y = (${h('index', 'b', 'c')} - stats[k]) * stats[k + 1] * gamma[c] + beta[c];
          ${attrs.silu ? 'y = y / (1.0 + exp(-y));' : ''}
          setOutputAtIndex(index, y);
        }
      }`,
  };
  const out = backend.runWebGPUProgram(applyProgram, [inputs.x, stats, inputs.gamma, inputs.beta, ...addend], 'float32');
  backend.disposeData(stats.dataId);
  return out;
}

// ---- silu ------------------------------------------------------------------------------------

type SiluArgs<B> = { inputs: { x: Info }; backend: B };

function cpuSilu({ inputs: { x }, backend }: SiluArgs<CpuBackend>): Info {
  const v = backend.readSync(x.dataId) as Float32Array;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / (1 + Math.exp(-v[i]!));
  return backend.makeTensorInfo(x.shape, 'float32', out);
}

const webglSilu = ({ inputs: { x }, backend }: SiluArgs<WebGLBackend>): Info =>
  backend.runWebGLProgram({
    variableNames: ['A'],
    outputShape: x.shape,
    userCode: 'void main() { float v = getAAtOutCoords(); setOutput(v / (1.0 + exp(-v))); }',
  }, [x], 'float32');

function webgpuSilu({ inputs: { x }, backend }: SiluArgs<WebGPUBackend>): Info {
  const size = x.shape.reduce((p, v) => p * v, 1);
  return backend.runWebGPUProgram({
    variableNames: ['A'],
    outputShape: x.shape,
    shaderKey: 'mtd_silu',
    dispatchLayout: { x: x.shape.map((_, i) => i) },
    dispatch: [Math.ceil(size / 128), 1, 1],
    workgroupSize: [128, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let v = A[index];
          setOutputAtIndex(index, v / (1.0 + exp(-v)));
        }
      }`,
  }, [x], 'float32');
}

const KERNELS: Record<string, [(args: never) => Info, (args: never) => Info]> = {
  cpu: [cpuKernel, cpuSilu],
  wasm: [wasmKernel, ({ inputs: { x }, backend }: SiluArgs<WasmBackend>) => wasmSilu(x, backend)],
  webgl: [webglKernel, webglSilu],
  webgpu: [webgpuKernel, webgpuSilu],
};

/** Registers both kernels for every backend (idempotent). The backends need not be registered yet. */
export function registerFusedKernels(): void {
  for (const [backendName, [groupNormFunc, siluFunc]] of Object.entries(KERNELS)) {
    for (const [kernelName, kernelFunc] of [[GROUP_NORM_KERNEL, groupNormFunc], [SILU_KERNEL, siluFunc]] as const) {
      if (tf.getKernel(kernelName, backendName) !== undefined) continue;
      tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    }
  }
}
