/**
 * Fault injection for the browser tests, all from the test side (nothing of it ships in the app):
 *   - `injectWorkerFaults(page, spec)`: serves the inference worker's script with a prelude prepended
 *     (page.route on the built worker chunk, which is self-contained, so the prelude runs before any
 *     engine code). The prelude can hide navigator.gpu, make requestAdapter() return null, and keeps
 *     handles on the WebGPU device and WebGL context the engine creates; messages `{ __fault: ... }`
 *     posted to the worker then lose the device / context, or make Math.log (the Box–Muller noise of
 *     src/core/rng.ts) return NaN after a number of calls. Those messages are swallowed before comlink.
 *   - `sendWorkerFault(page, fault)`: posts such a message to the engine worker (an init script records
 *     the page's Worker objects).
 */
import type { Page } from 'playwright-core';

export interface WorkerFaultSpec {
  /** navigator.gpu reads undefined in the worker. */
  readonly noGpu?: boolean;
  /** navigator.gpu.requestAdapter() resolves null. */
  readonly nullAdapter?: boolean;
  /** WebGL2 contexts are reported as unavailable (getContext returns null). */
  readonly noWebGl?: boolean;
}

export type WorkerFault =
  | { readonly __fault: 'lose-webgl' }
  | { readonly __fault: 'lose-webgpu' }
  | { readonly __fault: 'nan-after'; readonly calls: number }
  | { readonly __fault: 'nan-off' };

/** Runs first in the worker (a classic-script prefix of the module chunk). */
function prelude(spec: WorkerFaultSpec): string {
  return `;(() => {
  const spec = ${JSON.stringify(spec)};
  const F = (self.__faults = { gl: null, device: null, logCalls: 0, nanAfter: -1 });
  if (spec.noGpu) Object.defineProperty(WorkerNavigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  if (spec.nullAdapter && self.GPU) GPU.prototype.requestAdapter = async () => null;
  if (self.GPUAdapter) {
    const requestDevice = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (...args) {
      const device = await requestDevice.apply(this, args);
      F.device = device;
      return device;
    };
  }
  if (self.OffscreenCanvas) {
    const getContext = OffscreenCanvas.prototype.getContext;
    OffscreenCanvas.prototype.getContext = function (type, ...rest) {
      if (spec.noWebGl && /webgl/.test(type)) return null;
      const ctx = getContext.call(this, type, ...rest);
      if (ctx && /webgl/.test(type)) F.gl = ctx;
      return ctx;
    };
  }
  const log = Math.log;
  Math.log = (x) => (F.nanAfter >= 0 && F.logCalls++ >= F.nanAfter ? NaN : log(x));
  self.addEventListener('message', (e) => {
    const d = e.data;
    if (!d || typeof d !== 'object' || !('__fault' in d)) return;
    e.stopImmediatePropagation();
    if (d.__fault === 'lose-webgl') F.gl?.getExtension('WEBGL_lose_context')?.loseContext();
    if (d.__fault === 'lose-webgpu') F.device?.destroy();
    if (d.__fault === 'nan-after') { F.logCalls = 0; F.nanAfter = d.calls; }
    if (d.__fault === 'nan-off') F.nanAfter = -1;
  });
})();
`;
}

/** Call before page.goto. */
export async function injectWorkerFaults(page: Page, spec: WorkerFaultSpec = {}): Promise<void> {
  await page.addInitScript(() => {
    const Original = window.Worker;
    const workers: Worker[] = [];
    (window as unknown as { __workers: Worker[] }).__workers = workers;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        if (options?.name === 'mt-diffusion-engine') workers.push(this);
      }
    };
  });
  await page.route(/\/assets\/worker-[^/]*\.js$/, async (route) => {
    const response = await route.fetch();
    const body = prelude(spec) + (await response.text());
    await route.fulfill({ response, body });
  });
}

/** Posts a fault message to the engine worker (injectWorkerFaults must have run before the page loaded). */
export async function sendWorkerFault(page: Page, fault: WorkerFault): Promise<void> {
  const sent = await page.evaluate((f) => {
    const workers = (window as unknown as { __workers?: Worker[] }).__workers ?? [];
    for (const w of workers) w.postMessage(f);
    return workers.length;
  }, fault);
  if (sent === 0) throw new Error('no engine worker to send the fault to (call injectWorkerFaults before page.goto)');
}
